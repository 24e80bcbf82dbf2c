// What a county SPA does on its first screen, written against the generated types only.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Problem = components["schemas"]["Problem"];
type UserRead = components["schemas"]["UserRead"];
type VisitSummary = components["schemas"]["VisitSummary"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

export async function signIn(username: string, password: string): Promise<string> {
  const { data, error } = await api.POST("/api/v1/auth/token", {
    body: { username, password, grant_type: "password", scope: "" },
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
  });
  if (error) throw new Error(describe(error));
  return data.access_token;
}

export async function myCountyInspectors(token: string): Promise<UserRead[]> {
  const headers = { Authorization: `Bearer ${token}` };
  const me = await api.GET("/api/v1/me", { headers });
  if (me.error) throw new Error(describe(me.error));
  const county: string | null = me.data.county_code;
  const inspectors: UserRead[] = [];
  for (let offset = 0; ; ) {
    const { data, error } = await api.GET("/api/v1/users", {
      headers,
      params: { query: { county_code: county ?? undefined, role: "county_inspector", limit: 200, offset } },
    });
    if (error) throw new Error(describe(error));
    inspectors.push(...data.items);
    const total: number | null = data.total; // offset lists always count
    if (!data.has_more) {
      console.log(`${total ?? inspectors.length} inspectors`);
      return inspectors;
    }
    offset += data.items.length;
  }
}

// A list that grows pages by keyset: send back the page's `cursor` (or follow its relative `next` link).
export async function visitsOfMyCounty(token: string): Promise<VisitSummary[]> {
  const headers = { Authorization: `Bearer ${token}` };
  const visits: VisitSummary[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET("/api/v1/visits", {
      headers,
      params: { query: { status: "archived", limit: 200, cursor } },
    });
    if (error) throw new Error(describe(error));
    visits.push(...data.items);
    const next: string | null = data.next;
    cursor = next === null ? undefined : (data.cursor ?? undefined);
  } while (cursor !== undefined);
  return visits;
}

function describe(problem: Problem): string {
  const where = (problem.errors ?? []).map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; ");
  return `${problem.status} ${problem.title}${where ? ` — ${where}` : ""}`;
}

type FindingStatus = components["schemas"]["FindingStatus"];
type VocabularyRead = components["schemas"]["VocabularyRead"];

// A drop-down's options come from the vocabularies; the filter it sets is typed by the contract's enum.
export async function openFindingsWithTheirStatusOptions(
  token: string,
): Promise<{ options: VocabularyRead["terms"]; open: number }> {
  const headers = { Authorization: `Bearer ${token}` };
  const vocabulary = await api.GET("/api/v1/vocabularies/{name}", {
    headers,
    params: { path: { name: "finding_status" } },
  });
  if (vocabulary.error) throw new Error(describe(vocabulary.error));
  const status: FindingStatus = "open";
  const { data, error } = await api.GET("/api/v1/findings", { headers, params: { query: { status, limit: 1 } } });
  if (error) throw new Error(describe(error));
  const labelled = data.items.map((f) => `${f.status_label}（${f.status}）`);
  console.log(labelled.join("、"));
  return { options: vocabulary.data.terms, open: data.total ?? data.items.length };
}
