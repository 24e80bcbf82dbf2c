// The README's walk-through (section "Demo accounts"), step by step, with the typed client against the real
// server: it starts the app on a free port, walks, checks every answer's status and the fields it reads, and
// finally checks that the README's shell block makes the same calls with the same bodies in the same order.
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "../src/api.js";
import { readmeWalk, type Call } from "./readme.js";
import { startServer, type Server } from "./server.js";
import { answered, firstItem, shaped } from "./shapes.js";
import { totp } from "./totp.js";

type VisitCreate = components["schemas"]["VisitCreate"];

const PASSWORD = "Zhijian@2026";
const DEMO_TOTP_SECRET = "ZHIJIANDEMOADMINONLYFORTHEDEMOXX";
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const API = "/api/v1";

let server: Server | undefined;
let api: Client<paths>;
let failed = false;
/** The README's shell variables as this walk knows them (tokens, ids, the day), to read its block with. */
const vars: Record<string, string> = {};
/** What the walk sent, in order, as the README writes it. */
const calls: Call[] = [];
const signIns: string[] = [];

before(async () => {
  server = await startServer();
  vars.TODAY = server.today;
  vars.YEAR = server.today.slice(0, 4);
  api = createClient<paths>({ baseUrl: server.origin });
  api.use({
    async onRequest({ request }) {
      const url = new URL(request.url);
      const path = url.pathname.slice(API.length) + url.search;
      if (path === "/auth/token") return;
      const bearer = request.headers.get("authorization")?.replace(/^Bearer /, "");
      const token = Object.keys(vars).find((name) => vars[name] === bearer) ?? "?";
      const body = request.body ? JSON.parse(await request.clone().text()) : undefined;
      calls.push({ token, method: request.method, path, body });
    },
  });
});

after(async () => {
  if (failed && server) console.error(`server log (last lines):\n${server.logTail()}`);
  await server?.stop();
});

/** One step; once a step fails, the later ones are skipped rather than failing for want of its results. */
function step(name: string, walk: () => Promise<void>): void {
  it(name, async (t: TestContext) => {
    if (failed) return t.skip("an earlier step failed");
    try {
      await walk();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

/** Signs in as a demo account (with the second factor when given) and keeps the token as README's `name`. */
async function signIn(name: string, username: string, totpCode?: string): Promise<string> {
  signIns.push(username);
  const body = { username, password: PASSWORD, scope: "", ...(totpCode ? { totp_code: totpCode } : {}) };
  const token = answered(
    await api.POST("/api/v1/auth/token", {
      body,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      bodySerializer: (fields) => new URLSearchParams(fields as Record<string, string>),
    }),
    200,
    { access_token: "string" },
  ).access_token;
  vars[name] = token;
  return token;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function addDays(isoDay: string, days: number): string {
  return new Date(Date.parse(`${isoDay}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe("the README walk-through, with the typed client against the real server", () => {
  let admin: string, county: string, inspector: string;
  let issuedVisits: number, lineVisitsBefore: number;
  let plan: string, line: string, enterprise: string, me: string, colleague: string;
  let visit: string, finding: string, deadlineBefore: string, revisit: string;

  const bothInspectors = () => [
    { user_id: me, credential_shown: true },
    { user_id: colleague, credential_shown: true },
  ];

  /** The inspector records a visit (a draft) and submits it (archived); its id. */
  async function recordAndSubmit(body: VisitCreate): Promise<string> {
    const made = answered(await api.POST("/api/v1/visits", { headers: bearer(inspector), body }), 201, {
      id: "uuid",
      status: "string",
    });
    assert.equal(made.status, "draft");
    const submitted = answered(
      await api.POST("/api/v1/visits/{visit_id}/submit", {
        headers: bearer(inspector),
        params: { path: { visit_id: made.id } },
      }),
      200,
      { status: "string" },
    );
    assert.equal(submitted.status, "archived");
    return made.id;
  }

  step("the prefecture admin signs in with the demo authenticator's code", async () => {
    admin = await signIn("ADMIN", "admin", totp(DEMO_TOTP_SECRET));
  });

  step("the prefecture makes the server's year's plan and issues it", async () => {
    const year = Number(vars.YEAR);
    const made = answered(await api.POST("/api/v1/plans", { headers: bearer(admin), body: { year } }), 201, {
      id: "uuid",
      year: "integer",
    });
    assert.equal(made.year, year);
    plan = vars.PLAN = made.id;
    const issued = answered(
      await api.POST("/api/v1/plans/{plan_id}/issue", { headers: bearer(admin), params: { path: { plan_id: plan } } }),
      200,
      { status: "string", required_visits: "integer" },
    );
    assert.equal(issued.status, "issued");
    assert.ok(issued.required_visits > 0, "an issued plan asks for visits");
    issuedVisits = issued.required_visits;
  });

  step("塔城市's admin raises one of the county's lines to three visits, with a reason", async () => {
    county = await signIn("COUNTY", "tcs_admin");
    const page = answered(
      await api.GET("/api/v1/plans/{plan_id}/items", {
        headers: bearer(county),
        params: { path: { plan_id: plan }, query: { county_code: "654201", limit: 1 } },
      }),
      200,
      { items: "array" },
    );
    line = vars.LINE = shaped(firstItem(page, "plan items"), { id: "uuid" }, "plan item").id;
    const path = { plan_id: plan, item_id: line };
    const detail = answered(
      await api.GET("/api/v1/plans/{plan_id}/items/{item_id}", { headers: bearer(county), params: { path } }),
      200,
      { enterprise_id: "uuid", required_visits: "integer" },
    );
    enterprise = vars.ENTERPRISE = detail.enterprise_id;
    lineVisitsBefore = detail.required_visits;
    assert.ok(lineVisitsBefore < 3, `the line already asks for ${lineVisitsBefore} visits: three would be no raise`);
    const raised = answered(
      await api.PATCH("/api/v1/plans/{plan_id}/items/{item_id}", {
        headers: bearer(county),
        params: { path },
        body: { required_visits: 3, reason: "投诉举报增多，县局加密检查" },
      }),
      200,
      { required_visits: "integer", adjustments: "array" },
    );
    assert.equal(raised.required_visits, 3);
    assert.equal(shaped(raised.adjustments.at(-1)!, { kind: "string" }, "adjustment").kind, "raise");
  });

  step("two inspectors of 塔城市 record a visit with one nonconforming item and submit it", async () => {
    inspector = await signIn("INSPECTOR", "tcs_insp1");
    me = vars.ME = answered(await api.GET("/api/v1/me", { headers: bearer(inspector) }), 200, { id: "uuid" }).id;
    const directory = answered(
      await api.GET("/api/v1/inspectors", { headers: bearer(inspector), params: { query: { county_code: "654201" } } }),
      200,
      { items: "array" },
    );
    firstItem(directory, "inspectors");
    const found = directory.items.find((i) => shaped(i, { id: "uuid" }, "inspector").credential_no === "65420100002");
    assert.ok(found, "the directory lists the colleague with credential 65420100002");
    colleague = vars.COLLEAGUE = found.id;
    const conforming = { result: "conforming" } as const;
    const body: VisitCreate = {
      enterprise_id: enterprise,
      visit_type: "routine_patrol",
      visit_date: vars.TODAY,
      inspectors: bothInspectors(),
      checklist: {
        production_environment: conforming,
        incoming_inspection: conforming,
        process_control: conforming,
        outgoing_inspection: conforming,
        storage_delivery: conforming,
        labelling: { result: "nonconforming", note: "产品标识未标注执行标准编号", severity: "general" },
        nonconforming_products: conforming,
        personnel: conforming,
        incident_handling: conforming,
        records: conforming,
        licence_conditions: { result: "not_applicable", note: "该产品不属于生产许可目录" },
      },
      conclusion: "rectification_required",
      supervisory_functions: ["standardisation"],
      representative_name: "王建国",
      representative_title: "总经理",
      notes: "与标准化检查合并进行",
    };
    visit = vars.VISIT = await recordAndSubmit(body);
  });

  step("the finding's deadline is extended by 15 days, then it is rectified", async () => {
    const page = answered(
      await api.GET("/api/v1/findings", { headers: bearer(inspector), params: { query: { visit_id: visit } } }),
      200,
      { items: "array" },
    );
    assert.equal(page.items.length, 1, "one nonconforming item makes one finding");
    const first = shaped(firstItem(page, "findings"), { id: "uuid", status: "string", deadline: "date" }, "finding");
    assert.equal(first.status, "open");
    finding = vars.FINDING = first.id;
    deadlineBefore = first.deadline;
    const params = { path: { finding_id: finding } };
    const extended = answered(
      await api.POST("/api/v1/findings/{finding_id}/extension", {
        headers: bearer(inspector),
        params,
        body: { days: 15, reason: "标签需重新印制，供货周期较长" },
      }),
      200,
      { status: "string", deadline: "date" },
    );
    assert.equal(extended.status, "open");
    assert.equal(extended.deadline, addDays(deadlineBefore, 15));
    const rectified = answered(
      await api.POST("/api/v1/findings/{finding_id}/rectification", {
        headers: bearer(inspector),
        params,
        body: { text: "已重新印制标签并加注执行标准编号 GB 175-2023，库存产品已全部更换标签。" },
      }),
      200,
      { status: "string" },
    );
    assert.equal(rectified.status, "rectified");
  });

  step("a re-inspection visit finds the labelling conforming and closes the finding", async () => {
    const body: VisitCreate = {
      enterprise_id: enterprise,
      visit_type: "reinspection",
      visit_date: vars.TODAY,
      inspectors: bothInspectors(),
      checklist: { labelling: { result: "conforming", note: "标签已加注执行标准编号" } },
      conclusion: "conforming",
      representative_name: "王建国",
      representative_title: "总经理",
    };
    revisit = vars.REVISIT = await recordAndSubmit(body);
    const closed = answered(
      await api.POST("/api/v1/findings/{finding_id}/reinspection", {
        headers: bearer(inspector),
        params: { path: { finding_id: finding } },
        body: { visit_id: revisit, result: "pass", note: "标签已整改到位" },
      }),
      200,
      { status: "string" },
    );
    assert.equal(closed.status, "closed");
  });

  step("the visit's record form (附件2) downloads as an xlsx workbook", async () => {
    const { data, response } = await api.GET("/api/v1/visits/{visit_id}/record-form", {
      headers: bearer(inspector),
      params: { path: { visit_id: visit } },
      parseAs: "arrayBuffer",
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), XLSX);
    const bytes = Buffer.from(data as ArrayBuffer);
    assert.ok(bytes.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1")), "an xlsx file is a zip archive");
    assert.ok(bytes.includes("xl/workbook.xml"), "the archive holds a workbook");
  });

  step("the year's summary (附件3) counts the raise, the visit, the finding and its rectification", async () => {
    const summary = answered(
      await api.GET("/api/v1/reports/summary", {
        headers: bearer(admin),
        params: { query: { year: Number(vars.YEAR) } },
      }),
      200,
      { total: "object" },
    );
    const total = shaped(
      summary.total!,
      { required_visits: "integer", visits_done: "integer", findings: "integer", rectified: "integer" },
      "summary total",
    );
    assert.equal(total.required_visits, issuedVisits + (3 - lineVisitsBefore));
    assert.equal(total.visits_done, 1, "the routine patrol counts; a re-inspection is not one of the plan's visits");
    assert.equal(total.findings, 1);
    assert.equal(total.rectified, 1);
    assert.equal(total.completion_rate, Math.round((1 / total.required_visits) * 10_000) / 10_000);
  });

  step("the README's walk-through makes these very calls, with these bodies, in this order", async () => {
    const readme = readmeWalk(vars);
    assert.deepEqual(readme.signIns, signIns);
    assert.deepEqual(readme.calls, calls);
  });
});
