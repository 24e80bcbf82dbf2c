import assert from "node:assert/strict";
import { test } from "node:test";
import { totp } from "./totp.js";

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (base32 below), the last six digits of each value.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

test("the TOTP of the RFC 6238 test vectors matches for SHA-1", () => {
  assert.equal(totp(RFC_SECRET, 59_000), "287082");
  assert.equal(totp(RFC_SECRET, 1_111_111_109_000), "081804");
  assert.equal(totp(RFC_SECRET, 1_234_567_890_000), "005924");
  assert.equal(totp(RFC_SECRET, 20_000_000_000_000), "353130");
});
