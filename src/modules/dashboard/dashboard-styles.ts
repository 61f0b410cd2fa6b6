// The dashboard's stylesheet, served as /dashboard/app.css (a TypeScript string so it ships inside dist/).
// Status colours always come with a text label and an icon, so nothing is told by colour alone.

export const DASHBOARD_STYLES = String.raw`
:root {
  --bg: #f4f6f8; --panel: #ffffff; --text: #1b2430; --muted: #5b6675; --line: #d9dee5;
  --accent: #1f5fbf; --accent-text: #ffffff;
  --ok-bg: #e3f4e8; --ok-fg: #14652f; --ok-line: #7cc495;
  --bad-bg: #fde7e7; --bad-fg: #a11919; --bad-line: #ea8c8c;
  --warn-bg: #fff3d6; --warn-fg: #8a5300; --warn-line: #e9b955;
  --info-bg: #e4eefc; --info-fg: #1d4f9c; --info-line: #8fb2ea;
  --muted-bg: #eceff3; --muted-fg: #4a5461; --muted-line: #c3cad3;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
[hidden] { display: none !important; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
h1 { font-size: 1.15rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.6rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.5rem; }
p { margin: 0.4rem 0; }

.topbar { background: #16202e; color: #fff; padding: 0.6rem 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
.topbar .brand { font-weight: 700; letter-spacing: 0.02em; }
.topbar .spacer { flex: 1; }
.topbar .updated { color: #c9d3df; font-size: 0.85rem; }
.tabs { display: flex; flex-wrap: wrap; gap: 0.25rem; padding: 0.5rem 1rem 0; background: #16202e; }
.tabs a { color: #d6dee8; text-decoration: none; padding: 0.45rem 0.8rem; border-radius: 6px 6px 0 0; font-weight: 600; }
.tabs a:hover, .tabs a:focus-visible { color: #fff; background: #253247; }
.tabs a[aria-current="page"] { background: var(--bg); color: var(--text); }

main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.panel-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem 1rem; margin-bottom: 0.6rem; }
.panel-head h2 { margin: 0; }
.hint { color: var(--muted); font-size: 0.9rem; }

button, .btn, select, input { font: inherit; }
.btn { border: 1px solid var(--line); background: #fff; color: var(--text); border-radius: 6px; padding: 0.35rem 0.75rem; cursor: pointer; font-weight: 600; min-height: 2.1rem; }
a.btn { text-decoration: none; display: inline-block; }
.btn:hover { border-color: var(--accent); }
.btn:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #7aa7ee; outline-offset: 1px; }
.btn:disabled { opacity: 0.55; cursor: progress; }
.btn-primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.btn-retry { border-color: var(--info-line); color: var(--info-fg); }
.btn-cancel { border-color: var(--bad-line); color: var(--bad-fg); }
.btn-dark { background: #253247; color: #fff; border-color: #3a4a63; }

.login { max-width: 26rem; margin: 3rem auto; }
.login label { display: block; font-weight: 600; margin-bottom: 0.3rem; }
.login input { width: 100%; padding: 0.5rem; border: 1px solid var(--line); border-radius: 6px; margin-bottom: 0.7rem; }

.badge { display: inline-flex; align-items: center; gap: 0.3rem; border: 1px solid; border-radius: 999px; padding: 0.05rem 0.6rem; font-size: 0.85rem; font-weight: 600; white-space: nowrap; }
.badge-icon { font-weight: 800; }
.tone-ok { background: var(--ok-bg); color: var(--ok-fg); border-color: var(--ok-line); }
.tone-bad { background: var(--bad-bg); color: var(--bad-fg); border-color: var(--bad-line); }
.tone-warn { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-line); }
.tone-info { background: var(--info-bg); color: var(--info-fg); border-color: var(--info-line); }
.tone-muted { background: var(--muted-bg); color: var(--muted-fg); border-color: var(--muted-line); }
.chip { display: inline-block; background: var(--muted-bg); border-radius: 4px; padding: 0 0.4rem; margin: 0 0.25rem 0.25rem 0; font-size: 0.85rem; }

.notice { margin: 0 0 1rem; padding: 0.6rem 0.8rem; border-radius: 6px; border: 1px solid; font-weight: 600; }
.error-text { color: var(--bad-fg); }

.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 0.8rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 0.8rem; background: #fff; border-left-width: 5px; }
.card.tone-ok, .card.tone-bad, .card.tone-warn, .card.tone-info, .card.tone-muted { background: #fff; color: var(--text); border-color: var(--line); }
.card.tone-ok { border-left-color: var(--ok-fg); }
.card.tone-bad { border-left-color: var(--bad-fg); }
.card.tone-warn { border-left-color: var(--warn-fg); }
.card.tone-info { border-left-color: var(--info-fg); }
.card.tone-muted { border-left-color: var(--muted-line); }
.card-title { display: flex; justify-content: space-between; gap: 0.5rem; align-items: baseline; margin-bottom: 0.4rem; }
.card-title strong { font-size: 1.02rem; overflow-wrap: anywhere; }
.card dl { display: grid; grid-template-columns: auto 1fr; gap: 0.15rem 0.7rem; margin: 0.4rem 0 0; font-size: 0.9rem; }
.card dt { color: var(--muted); }
.card dd { margin: 0; overflow-wrap: anywhere; }

.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 0.6rem; margin-bottom: 1rem; }
.stat { border: 1px solid var(--line); border-radius: 8px; padding: 0.6rem 0.8rem; background: #fff; }
.stat .stat-value { font-size: 1.6rem; font-weight: 700; display: block; }
.stat .stat-label { color: var(--muted); font-size: 0.85rem; }

.table-wrap { overflow-x: auto; }
table.data { width: 100%; border-collapse: collapse; font-size: 0.92rem; }
table.data th { text-align: left; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); padding: 0.4rem 0.5rem; white-space: nowrap; }
table.data td { border-bottom: 1px solid var(--line); padding: 0.45rem 0.5rem; vertical-align: top; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr.selected td { background: #eef4ff; }
.actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
.truncate { display: inline-block; max-width: 28rem; overflow-wrap: anywhere; }

.depth-1 { margin-left: 1.25em; } .depth-2 { margin-left: 2.5em; } .depth-3 { margin-left: 3.75em; }
.lanes { display: flex; gap: 0.75rem; flex-wrap: wrap; margin: 0.5rem 0 1rem; }
.lane { flex: 1 1 12rem; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.75rem; }
.lane ol { margin: 0.25rem 0 0; padding-left: 1.1rem; }
.timeline { list-style: none; margin: 0; padding: 0 0 0 0.9rem; border-left: 3px solid var(--line); }
.timeline li { position: relative; margin: 0 0 0.7rem; padding-left: 0.6rem; }
.timeline li::before { content: ""; position: absolute; left: -1.42rem; top: 0.35rem; width: 0.8rem; height: 0.8rem; border-radius: 50%; background: var(--muted-line); border: 2px solid #fff; }
.timeline li.tone-ok::before { background: var(--ok-fg); }
.timeline li.tone-bad::before { background: var(--bad-fg); }
.timeline li.tone-warn::before { background: var(--warn-fg); }
.timeline li.tone-info::before { background: var(--info-fg); }
.timeline li.tone-ok, .timeline li.tone-bad, .timeline li.tone-warn, .timeline li.tone-info, .timeline li.tone-muted { background: none; color: var(--text); }
.timeline li.tone-ok > strong { color: var(--ok-fg); }
.timeline li.tone-bad > strong { color: var(--bad-fg); }
.timeline li.tone-warn > strong { color: var(--warn-fg); }
.timeline li.tone-info > strong { color: var(--info-fg); }
.timeline .when { color: var(--muted); font-size: 0.85rem; margin-right: 0.5rem; display: inline-block; min-width: 4.5rem; }
.timeline .detail { display: block; color: var(--muted); font-size: 0.88rem; overflow-wrap: anywhere; }
.tag { display: inline-block; font-size: 0.75rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em; padding: 0 0.35rem; border-radius: 4px; background: var(--warn-bg); color: var(--warn-fg); margin-left: 0.3rem; }

pre.json { background: #f7f9fb; border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem; overflow: auto; max-height: 20rem; font-size: 0.85rem; margin: 0.4rem 0 0; }
details summary { cursor: pointer; font-weight: 600; }

.switch { display: inline-flex; align-items: center; gap: 0.45rem; border: 1px solid var(--line); border-radius: 999px; padding: 0.2rem 0.7rem 0.2rem 0.25rem; background: #fff; cursor: pointer; font-weight: 600; min-height: 2.1rem; }
.switch .knob { width: 2.3rem; height: 1.3rem; border-radius: 999px; background: var(--muted-line); position: relative; flex: none; }
.switch .knob::after { content: ""; position: absolute; top: 0.15rem; left: 0.15rem; width: 1rem; height: 1rem; border-radius: 50%; background: #fff; }
.switch[aria-checked="true"] .knob { background: var(--ok-fg); }
.switch[aria-checked="true"] .knob::after { left: 1.15rem; }
.switch:disabled { opacity: 0.55; cursor: progress; }

/* Phones: tables become one card per row, each cell labelled by its column. */
@media (max-width: 700px) {
  :root { font-size: 15px; }
  main { padding: 0.6rem; }
  .panel { padding: 0.75rem; }
  .tabs { padding: 0.4rem 0.5rem 0; gap: 0.15rem; }
  .tabs a { padding: 0.4rem 0.55rem; font-size: 0.92rem; }
  table.data thead { display: none; }
  table.data, table.data tbody, table.data tr, table.data td { display: block; width: 100%; }
  table.data tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: 0.6rem; padding: 0.3rem 0.5rem; background: #fff; }
  table.data td { border: none; padding: 0.2rem 0; display: grid; grid-template-columns: 7.5rem 1fr; gap: 0.5rem; justify-items: start; }
  table.data td::before { content: attr(data-label); color: var(--muted); font-weight: 600; }
  table.data td.num { text-align: left; }
  table.data td:empty { display: none; }
  .topbar { padding: 0.5rem 0.6rem; }
  .topbar .btn { padding: 0.2rem 0.55rem; min-height: 1.9rem; font-size: 0.9rem; }
  .topbar .updated { font-size: 0.8rem; order: 5; flex-basis: 100%; }
  .cards { grid-template-columns: 1fr; }
  .truncate { max-width: 100%; }
}
`;
