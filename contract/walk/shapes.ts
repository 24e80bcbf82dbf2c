// Everything the walk-through assumes about answers at run time, in one place: status codes, the fields it
// reads, and the shape of a list page. The generated types check the same names at compile time.
import assert from "node:assert/strict";

type Kind = "string" | "number" | "integer" | "boolean" | "object" | "array" | "uuid" | "date";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An openapi-fetch result: the answer must have `status`, and its body the named fields of the named kinds. */
export function answered<T>(
  result: { data?: T; error?: unknown; response: Response },
  status: number,
  fields: { [K in keyof T & string]?: Kind },
): T {
  const { data, error, response } = result;
  assert.equal(
    response.status,
    status,
    `${response.url}: ${response.status} instead of ${status}: ${JSON.stringify(error ?? data)}`,
  );
  assert.ok(data !== undefined, `${response.url}: no body`);
  return shaped(data, fields, response.url);
}

/** A value whose named fields are present and of the named kinds. */
export function shaped<T>(value: T, fields: { [K in keyof T & string]?: Kind }, where: string): T {
  assert.ok(value !== null && typeof value === "object", `${where}: not an object: ${JSON.stringify(value)}`);
  for (const [name, kind] of Object.entries(fields) as [string, Kind][]) {
    const field = (value as Record<string, unknown>)[name];
    assert.ok(is(field, kind), `${where}: ${name} is not a ${kind}: ${JSON.stringify(field)}`);
  }
  return value;
}

/** The first item of a list page (`{items, limit, …}`), which must hold at least one. */
export function firstItem<T>(
  page: { items: T[]; limit: number; has_more: boolean; next: string | null; total?: number | null },
  where: string,
): T {
  shaped(page, { items: "array", limit: "integer", has_more: "boolean" }, where);
  assert.ok(page.has_more === (page.next !== null), `${where}: has_more and next disagree`);
  assert.ok(page.items.length > 0, `${where}: the page is empty`);
  if (page.total != null) assert.ok(page.total >= page.items.length, `${where}: total below the page`);
  return page.items[0];
}

function is(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "uuid":
      return typeof value === "string" && UUID.test(value);
    case "date":
      return typeof value === "string" && DATE.test(value);
    default:
      return typeof value === kind;
  }
}
