// Renders the demo's outcome (profile, tier run, report) as plain, column-aligned text for a terminal or a log.

import type { IntelligenceReport } from '../modules/intelligence/intelligence-report';
import type { Profile } from '../modules/profiles/profile';
import type { RunView } from '../modules/workflows/workflow-run';

export interface DemoOutcome {
  profile: Profile;
  run: RunView;
  report: IntelligenceReport;
}

export interface TextStyle {
  /** Bold headings (ANSI) only when writing to a terminal; never in files or pipes. */
  color: boolean;
}

/** Pads cells so every column lines up; the last column is left unpadded. */
export function alignColumns(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

const usd = (n: number | null) => (n === null ? '-' : `$${Math.round(n).toLocaleString('en-US')}`);
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

function seconds(fromIso: string | null, toIso: string | null): string {
  if (!fromIso || !toIso) return '-';
  return `${((Date.parse(toIso) - Date.parse(fromIso)) / 1000).toFixed(3)}s`;
}

function clock(iso: string | null): string {
  return iso ? iso.slice(11, 23) : '-';
}

export function formatDemoReport(outcome: DemoOutcome, style: TextStyle): string {
  const { profile, run, report } = outcome;
  const heading = (text: string) => (style.color ? `\u001b[1m${text}\u001b[0m` : text);
  const out: string[] = [];
  const section = (title: string) => out.push('', heading(title), heading('-'.repeat(title.length)));

  const title = `Catalynx demo: "${report.tier}" intelligence tier`;
  out.push(heading(title), heading('='.repeat(title.length)));
  out.push(
    ...alignColumns(
      [
        ['Profile', `${profile.organization} (EIN ${profile.ein ?? 'none'})`],
        ['Mission', profile.mission],
        ['Focus areas', profile.focus_areas.join(', ') || '(any)'],
        ['States', profile.states.join(', ') || '(any)'],
        ['Revenue range', `${usd(profile.revenue_min)} to ${usd(profile.revenue_max)}`],
        ['Run', `${run.id} (${run.workflow_id}) ${run.status} in ${seconds(run.created_at, run.finished_at)}`],
        ['BMF filter', `${report.filter.matched} matched of ${report.filter.scanned} organizations scanned`],
        ['Scoring', report.degraded ? `deterministic fallback (${report.degraded_reason ?? 'degraded'})` : `model ${report.model ?? 'unknown'}`],
      ],
      '',
    ),
  );

  section(`Top matches (${report.top_matches.length})`);
  if (report.top_matches.length === 0) out.push('  (none: no organization matched the profile)');
  else {
    const rows = [['#', 'Score', 'EIN', 'Name', 'State', 'NTEE', 'Revenue']];
    report.top_matches.forEach((m, i) => rows.push([String(i + 1), String(m.score), m.ein, clip(m.name, 44), m.state ?? '-', m.ntee_code ?? '-', usd(m.revenue_amount)]));
    const lines = alignColumns(rows);
    out.push(lines[0]!);
    report.top_matches.forEach((m, i) => out.push(lines[i + 1]!, `       why: ${m.rationale}`));
  }

  if (report.network) {
    const net = report.network;
    section(`Network links from ${profile.ein ?? 'the profile'} (shortest board paths)`);
    if (!net.profile_in_network) out.push('  (the profile has no EIN: no paths computed)');
    else if (net.paths.length === 0) out.push('  (no board member links the profile to a match)');
    else {
      const rows = [['Hops', 'EIN', 'Name', 'Path (shared board members)']];
      for (const p of net.paths) {
        const via = p.hops.map((h) => `-> ${h.to} (${h.people.join(', ')})`).join(' ');
        rows.push([String(p.length), p.candidate_ein, clip(p.name ?? '-', 40), `${p.eins[0] ?? ''} ${via}`]);
      }
      out.push(...alignColumns(rows));
    }
    const linked = net.clusters.filter((c) => c.size > 1);
    out.push(
      '',
      `  ${net.unreachable} other organization(s) share no board path with the profile; ${net.clusters.length} cluster(s), ${linked.length} linked by shared board members` +
        (linked[0] ? ` (largest: ${linked[0].size} organizations)` : ''),
    );
  }

  section('Run timeline');
  const start = run.timeline[0]?.timestamp ?? run.created_at;
  const rows = [['Time (UTC)', 'Offset', 'Event', 'Step', 'Detail']];
  for (const e of run.timeline) {
    const step = typeof e.data.step_id === 'string' ? e.data.step_id : '';
    const detail =
      typeof e.data.agent_id === 'string' ? `agent ${e.data.agent_id}` : typeof e.data.attempts === 'number' ? `attempt ${e.data.attempts}` : typeof e.data.error === 'string' ? e.data.error : '';
    rows.push([clock(e.timestamp), `+${seconds(start, e.timestamp)}`, e.type, step, clip(detail, 60)]);
  }
  out.push(...alignColumns(rows));

  section('Steps');
  const steps = [['Step', 'Agent', 'Status', 'Attempts', 'Started', 'Finished', 'Took']];
  for (const s of run.steps) steps.push([s.id, s.agent_id, s.status, String(s.attempts), clock(s.started_at), clock(s.finished_at), seconds(s.started_at, s.finished_at)]);
  out.push(...alignColumns(steps));
  if (report.warnings.length > 0) {
    section('Warnings');
    for (const w of report.warnings) out.push(`  ${w}`);
  }
  return `${out.join('\n')}\n`;
}
