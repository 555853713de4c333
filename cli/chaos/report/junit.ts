/** results.json as JUnit XML: one test case per check, failures carrying the problems. */
import type { Results } from '../checks/index.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(r: Results): string {
  const cases = Object.values(r.checks).map((c) => {
    const body =
      c.verdict === 'invalid'
        ? `<failure message="${esc(c.summary)}">${esc(c.problems.join('\n'))}</failure>`
        : c.verdict === 'unknown'
          ? `<skipped message="${esc(`unknown: ${c.summary}`)}"/>`
          : '';
    return `    <testcase classname="chaos.${esc(r.plan)}" name="${esc(c.name)}">${body}</testcase>`;
  });
  const failures = Object.values(r.checks).filter((c) => c.verdict === 'invalid').length;
  const skipped = Object.values(r.checks).filter((c) => c.verdict === 'unknown').length;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="chaos ${esc(r.plan)} (${esc(r.target)})" tests="${cases.length}" failures="${failures}" skipped="${skipped}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
