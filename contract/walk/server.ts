// The app as `make run` serves it (ENV=development, SQLite, migrate + seed-demo, then uvicorn), but on a free
// port and in a temporary directory of its own, removed when the server stops.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The project's python: WALK_PYTHON, else the `.venv` `make` creates beside contract/. */
const PYTHON = process.env.WALK_PYTHON ?? resolve("..", ".venv", "bin", "python");
const HOST = "127.0.0.1";
const READY_WITHIN_MS = 60_000;

export interface Server {
  /** e.g. http://127.0.0.1:40123 */
  readonly origin: string;
  /** The server's own day in China (its clock, UTC+8), from the `date` header of its first answer. */
  readonly today: string;
  /** The last lines the server logged, to explain a failure. */
  logTail(lines?: number): string;
  /** Stop the server and remove its directory; safe to call twice. */
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "zhijian-walk-"));
  const env = { ...process.env, ENV: "development", DATABASE_URL: `sqlite+aiosqlite:///${join(dir, "zhijian.db")}` };
  const logPath = join(dir, "server.log");
  const logTail = (lines = 40): string => {
    try {
      return readFileSync(logPath, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  let child: ChildProcess | undefined;
  const killAtExit = (): void => void child?.kill("SIGKILL");
  const stop = async (): Promise<void> => {
    process.off("exit", killAtExit);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child!.once("exit", () => done()));
      child.kill("SIGTERM");
      const stuck = setTimeout(() => child!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(stuck);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const command of [["migrate"], ["seed-demo"]]) {
      const run = spawnSync(PYTHON, ["-m", "app.cli", ...command], { cwd: dir, env, encoding: "utf8" });
      if (run.status !== 0) {
        const why = run.error ? `${run.error.message} (set WALK_PYTHON to the project's python)` : run.stderr;
        throw new Error(`${PYTHON} -m app.cli ${command.join(" ")} failed: ${why}`);
      }
    }
    const port = await freePort();
    const log = openSync(logPath, "a");
    child = spawn(
      PYTHON,
      ["-m", "uvicorn", "app.main:app_factory", "--factory", "--host", HOST, "--port", `${port}`, "--no-proxy-headers"],
      { cwd: dir, env, stdio: ["ignore", log, log] },
    );
    process.on("exit", killAtExit);
    const origin = `http://${HOST}:${port}`;
    const today = await chinaDayWhenHealthy(origin, child);
    return { origin, today, logTail, stop };
  } catch (error) {
    const tail = logTail();
    await stop();
    throw tail ? new Error(`${(error as Error).message}\nserver log:\n${tail}`) : error;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

/** Polls /healthz until it answers 200 (or the process ends, or a minute passes); returns the server's day. */
async function chinaDayWhenHealthy(origin: string, child: ChildProcess): Promise<string> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it answered`);
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return chinaDay(response.headers.get("date"));
    } catch {
      // not listening yet
    }
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`${origin}/healthz did not answer within ${READY_WITHIN_MS / 1000} s`);
}

/** The calendar day in China (UTC+8, no daylight saving) of an HTTP `date` header. */
export function chinaDay(httpDate: string | null): string {
  const instant = Date.parse(httpDate ?? "");
  if (Number.isNaN(instant)) throw new Error(`the server sent no usable date header: ${httpDate}`);
  return new Date(instant + 8 * 3600_000).toISOString().slice(0, 10);
}
