// The tiny harness the conformance scripts share: named checks, one line each, exit 1 on
// any failure.
const results = [];

export async function check(name, fn) {
  try {
    await fn();
    results.push(`ok   ${name}`);
  } catch (err) {
    results.push(`FAIL ${name}: ${err.stack || err}`);
  }
}

export function report() {
  console.log(results.join('\n'));
  process.exit(results.some((r) => r.startsWith('FAIL')) ? 1 : 0);
}
