import { describe, expect, it } from 'vitest';
import { judgeAudit as judge } from '../.ci/audit-gate.js';

/** The shape `npm audit --json` prints (report version 2), trimmed to what the gate reads. */
function report(vulnerabilities: Record<string, { severity: string; via: unknown[]; range?: string }>) {
  const counts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
  for (const v of Object.values(vulnerabilities)) {
    counts[v.severity as keyof typeof counts] += 1;
    counts.total += 1;
  }
  return JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: Object.fromEntries(
      Object.entries(vulnerabilities).map(([name, v]) => [
        name,
        { name, isDirect: false, effects: [], nodes: [`node_modules/${name}`], fixAvailable: true, ...v },
      ]),
    ),
    metadata: { vulnerabilities: counts, dependencies: { prod: 120, dev: 300, optional: 10, peer: 0, peerOptional: 0, total: 430 } },
  });
}

describe('CI audit gate', () => {
  it('fails a build whose production dependencies carry a high or critical advisory, naming it', () => {
    const verdict = judge(
      report({
        'fast-xml': { severity: 'high', range: '<4.2.1', via: [{ title: 'Prototype pollution', url: 'https://github.com/advisories/GHSA-x' }] },
        'tiny-dep': { severity: 'critical', via: ['fast-xml'] },
        'lodash-ish': { severity: 'moderate', via: [{ title: 'ReDoS' }] },
      }),
    );
    expect(verdict.reached).toBe(true);
    expect(verdict.blocking).toHaveLength(2);
    expect(verdict.blocking.join('\n')).toContain('fast-xml <4.2.1 [high]: Prototype pollution (https://github.com/advisories/GHSA-x)');
    expect(verdict.blocking.join('\n')).toContain('tiny-dep');
    expect(verdict.blocking.join('\n')).not.toContain('lodash-ish');
  });

  it('passes when only moderate or low advisories remain', () => {
    const verdict = judge(report({ a: { severity: 'moderate', via: [] }, b: { severity: 'low', via: [] } }));
    expect(verdict).toMatchObject({ reached: true, blocking: [] });
  });

  it('tells an unreachable advisory database apart from a clean report', () => {
    const verdict = judge(
      JSON.stringify({
        message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
        statusCode: 405,
        error: { summary: '' },
      }),
    );
    expect(verdict.reached).toBe(false);
    expect(verdict.why).toContain('405');
    expect(judge('npm ERR! something').reached).toBe(false);
  });
});
