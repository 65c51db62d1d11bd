/**
 * CI's audit step: `npm audit` of the production dependencies, failing on a high or critical
 * advisory. The advisory database is a separate npm service: where it cannot be reached (this
 * development machine's registry mirror answers its POST with 405) the step says so loudly and
 * passes, because a CI that fails on every run for a reason no change can fix teaches people to
 * ignore it. `CI_AUDIT_REQUIRED=1` makes an unreachable database a failure too.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const BLOCKING = new Set(['high', 'critical']);

interface Advisory {
  title?: string;
  url?: string;
}
interface Vulnerability {
  name: string;
  severity: string;
  range?: string;
  via?: (Advisory | string)[];
}
type Counts = Record<'info' | 'low' | 'moderate' | 'high' | 'critical' | 'total', number>;
interface AuditReport {
  vulnerabilities?: Record<string, Vulnerability>;
  metadata?: { vulnerabilities: Counts };
  message?: string;
  error?: { summary?: string };
}
export type AuditVerdict = { reached: false; why: string; blocking: [] } | { reached: true; why: null; blocking: string[]; counts: Counts };

/**
 * Reads `npm audit --json` (report version 2). Answers what blocks, or that the report is an
 * error (the database was not reached), never both.
 */
export function judgeAudit(reportText: string): AuditVerdict {
  let report: AuditReport | null;
  try {
    report = JSON.parse(reportText) as AuditReport | null;
  } catch {
    return { reached: false, why: 'npm audit printed no JSON', blocking: [] };
  }
  if (!report || typeof report !== 'object' || !report.vulnerabilities || !report.metadata) {
    const why = report?.message ?? report?.error?.summary ?? 'npm audit answered without a report';
    return { reached: false, why: String(why), blocking: [] };
  }
  const blocking = Object.values(report.vulnerabilities)
    .filter((v) => BLOCKING.has(v.severity))
    .map((v) => {
      const via = v.via ?? [];
      const titles = via.filter((x): x is Advisory => typeof x === 'object').map((x) => `${x.title ?? 'advisory'}${x.url ? ` (${x.url})` : ''}`);
      const through = via.filter((x): x is string => typeof x === 'string');
      return `${v.name} ${v.range ?? ''} [${v.severity}]${titles.length ? `: ${titles.join('; ')}` : ` via ${through.join(', ')}`}`;
    });
  return { reached: true, why: null, blocking, counts: report.metadata.vulnerabilities };
}

function main() {
  let out: string;
  try {
    out = execFileSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (err) {
    // npm audit exits non-zero both when it finds advisories and when it cannot ask: the JSON tells which.
    const stdout = (err as { stdout?: unknown }).stdout;
    out = typeof stdout === 'string' ? stdout : '';
  }
  const verdict = judgeAudit(out);
  if (!verdict.reached) {
    console.log(`audit: the advisory database could not be reached (${verdict.why}): production dependencies NOT checked`);
    process.exit(process.env.CI_AUDIT_REQUIRED === '1' ? 1 : 0);
  }
  const c = verdict.counts;
  console.log(`audit: production dependencies: ${c.critical} critical, ${c.high} high, ${c.moderate} moderate, ${c.low} low`);
  if (verdict.blocking.length) {
    for (const line of verdict.blocking) console.log(`  ${line}`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
