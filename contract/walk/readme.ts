// Reads the README's walk-through (the shell block that defines `sign_in` and `api`) into the calls it makes,
// so the walk can prove it is that walk-through: same sign-ins, same calls, same bodies, same order.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export interface Call {
  /** The README variable holding the bearer token, e.g. INSPECTOR. */
  token: string;
  method: string;
  /** Below /api/v1, with the query string. */
  path: string;
  body: unknown;
}

const API_CALL = /\bapi "\$(\w+)" +([A-Z]+) +"([^"]*)"(?: +('[^']*'|"(?:[^"\\]|\\.)*"))?/;
const DOWNLOAD = /\bcurl [^\n]*-o \S+ [^\n]*"\$API(\/[^"]*)" -H "Authorization: Bearer \$(\w+)"/;
const SIGN_IN = /\bsign_in (\w+)/;
const HEREDOC = /^(\w+)=\$\(cat <<JSON\n([\s\S]*?)\nJSON\n\)$/gm;

/** The walk-through of README.md at the project's root, its shell variables replaced by `vars`. */
export function readmeWalk(vars: Record<string, string>): { signIns: string[]; calls: Call[] } {
  const readme = readFileSync(resolve("..", "README.md"), "utf8");
  const block = readme.match(/```sh\n((?:(?!```)[\s\S])*\nsign_in\(\)[\s\S]*?)```/)?.[1];
  if (!block) throw new Error("README.md has no shell block that defines sign_in()");
  const bodies = new Map([...block.matchAll(HEREDOC)].map(([, name, text]) => [name, text]));
  const expand = (text: string): string =>
    text.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      if (!(name in vars)) throw new Error(`README.md uses $${name}, which the walk does not know`);
      return vars[name];
    });
  const signIns: string[] = [];
  const calls: Call[] = [];
  for (const line of block.replace(/\\\n\s*/g, " ").split("\n")) {
    if (/^\w+\(\) *\{/.test(line.trim())) continue; // a helper's definition, not a step
    const signIn = line.match(SIGN_IN);
    const call = line.match(API_CALL);
    const download = line.match(DOWNLOAD);
    if (signIn) signIns.push(signIn[1]);
    if (call) {
      const [, token, method, path, body] = call;
      try {
        calls.push({ token, method, path: expand(path), body: body === undefined ? undefined : parseBody(body) });
      } catch (error) {
        throw new Error(`README.md: ${(error as Error).message} in: ${line.trim()}`);
      }
    } else if (download) {
      calls.push({ token: download[2], method: "GET", path: expand(download[1]), body: undefined });
    }
  }
  return { signIns, calls };

  function parseBody(argument: string): unknown {
    const quote = argument[0];
    const inner = argument.slice(1, -1);
    if (quote === "'") return JSON.parse(inner); // single quotes: the shell expands nothing
    const heredoc = inner.match(/^\$(\w+)$/)?.[1];
    const text = heredoc && bodies.has(heredoc) ? bodies.get(heredoc)! : inner.replace(/\\(["\\$`])/g, "$1");
    return JSON.parse(expand(text));
  }
}
