// The dashboard's browser script, served as /dashboard/app.js (a TypeScript string so it ships inside dist/).
// Plain ES2020 for current browsers, no build step. It must contain no backtick and no dollar-brace,
// since it lives in a String.raw template; the browser test parses it to catch slips.

export const DASHBOARD_SCRIPT = String.raw`// Catalynx operator dashboard: reads the REST API with the key kept in sessionStorage.
// Every value from the API reaches the page as text (textContent / text nodes), never as HTML.
(function () {
  'use strict';

  var STORAGE_KEY = 'catalynx.dashboard.apiKey';
  var IDLE_REFRESH_MS = 15000;
  var BUSY_REFRESH_MS = 2000;
  var THROUGHPUT_MINUTES = 5;
  var TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
  var SCREENS = ['agents', 'queue', 'tasks', 'runs', 'profiles', 'flags'];
  var TONES = {
    healthy: 'ok', succeeded: 'ok', completed: 'ok', closed: 'ok', enabled: 'ok', compensated: 'warn',
    queued: 'info', running: 'info', compensating: 'warn', half_open: 'warn', rollout: 'warn',
    unhealthy: 'bad', failed: 'bad', open: 'bad', compensation_failed: 'bad',
    unknown: 'muted', pending: 'muted', skipped: 'muted', cancelled: 'muted', disabled: 'muted'
  };
  var ICONS = { ok: '\u2713', bad: '\u2715', warn: '!', info: '\u25B8', muted: '\u2013' };

  var state = { key: null, screen: 'agents', runId: null, profileId: null, taskFilter: '', timer: null, generation: 0 };

  function $(id) { return document.getElementById(id); }

  // ---- DOM building: elements and text nodes only --------------------------------------------
  function h(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (name) {
        var value = props[name];
        if (value === undefined || value === null || value === false) return;
        if (name === 'class') node.className = value;
        else if (name === 'text') node.textContent = String(value);
        else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? '' : String(value));
      });
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    if (children === undefined || children === null) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === undefined || child === null || child === false || child === '') return;
      node.appendChild(typeof child === 'object' && child.nodeType ? child : document.createTextNode(String(child)));
    });
    return node;
  }
  function fill(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return append(node, children);
  }

  function toneOf(value) { return TONES[value] || 'muted'; }
  function label(value) { return String(value).replace(/_/g, ' '); }
  function badge(value, prefix) {
    var tone = toneOf(value);
    return h('span', { class: 'badge tone-' + tone, 'data-status': value }, [
      h('span', { class: 'badge-icon', 'aria-hidden': 'true', text: ICONS[tone] }),
      (prefix ? prefix + ' ' : '') + label(value)
    ]);
  }
  function shortId(id) { return id ? String(id).slice(0, 8) : ''; }
  function when(iso) {
    if (!iso) return h('span', { class: 'hint', text: '\u2013' });
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    var seconds = Math.round((Date.now() - date.getTime()) / 1000);
    var text;
    if (seconds < 0) text = 'in ' + ago(-seconds);
    else text = ago(seconds) + ' ago';
    return h('time', { datetime: iso, title: date.toLocaleString() }, text);
  }
  function ago(seconds) {
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h';
    return Math.floor(seconds / 86400) + ' d';
  }
  function json(value) {
    var text;
    try { text = JSON.stringify(value, null, 2); } catch (e) { text = String(value); }
    return h('pre', { class: 'json', text: text === undefined ? 'null' : text });
  }
  function truncate(text, max) {
    if (text === null || text === undefined) return '';
    text = String(text);
    return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
  }
  function panel(title, hint, children, props) {
    var head = h('div', { class: 'panel-head' }, [h('h2', { text: title }), hint ? h('span', { class: 'hint', text: hint }) : null]);
    return h('div', Object.assign({ class: 'panel' }, props || {}), [head].concat(children));
  }
  function stat(value, text, tone) {
    return h('div', { class: 'stat' + (tone ? ' tone-' + tone : '') }, [h('span', { class: 'stat-value', text: value }), h('span', { class: 'stat-label', text: text })]);
  }
  /** columns: [{ title, cell(row) -> node|string, num? }]; rowProps(row) -> attributes of the row. */
  function table(columns, rows, empty, rowProps) {
    if (!rows.length) return h('p', { class: 'hint', text: empty });
    var head = h('thead', null, h('tr', null, columns.map(function (c) { return h('th', { class: c.num ? 'num' : null, scope: 'col', text: c.title }); })));
    var body = h('tbody', null, rows.map(function (row) {
      return h('tr', rowProps ? rowProps(row) : null, columns.map(function (c) {
        return h('td', { class: c.num ? 'num' : null, 'data-label': c.title }, c.cell(row));
      }));
    }));
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, [head, body]));
  }

  // ---- API ------------------------------------------------------------------------------------
  function ApiError(status, message) { this.name = 'ApiError'; this.status = status; this.message = message; }
  ApiError.prototype = Object.create(Error.prototype);

  async function api(path, options) {
    options = options || {};
    var headers = { authorization: 'Bearer ' + state.key, accept: 'application/json' };
    var init = { method: options.method || 'GET', headers: headers, cache: 'no-store', credentials: 'omit' };
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.json);
    }
    var res;
    try { res = await fetch(path, init); } catch (e) { throw new ApiError(0, 'The platform did not answer (' + e.message + ')'); }
    var text = await res.text();
    var body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) {
      var message = body && body.error && body.error.message ? body.error.message : 'HTTP ' + res.status;
      throw new ApiError(res.status, message);
    }
    return body;
  }
  function q(path, params) {
    var parts = Object.keys(params).filter(function (k) { return params[k] !== undefined && params[k] !== ''; })
      .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); });
    return parts.length ? path + '?' + parts.join('&') : path;
  }
  function seg(value) { return encodeURIComponent(String(value)); }

  // ---- notices --------------------------------------------------------------------------------
  var noticeTimer = null;
  function notify(message, tone) {
    var box = $('notice');
    box.className = 'notice tone-' + (tone || 'info');
    fill(box, [h('span', { class: 'badge-icon', 'aria-hidden': 'true', text: ICONS[tone || 'info'] + ' ' }), message]);
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  // ---- screens: each returns { busy } (busy = something is moving, so refresh sooner) ---------
  async function showAgents(root) {
    var registry = await api('/api/agents');
    var agents = registry.agents || [];
    var cards = agents.map(function (a) {
      var breaker = a.circuit_breaker || { state: 'closed', failure_count: 0 };
      var tone = a.status === 'unhealthy' || breaker.state === 'open' ? 'bad' : breaker.state === 'half_open' ? 'warn' : toneOf(a.status);
      return h('article', { class: 'card tone-' + tone, 'data-agent-id': a.id }, [
        h('div', { class: 'card-title' }, [h('strong', { text: a.name }), h('code', { text: a.id })]),
        h('div', { class: 'actions' }, [badge(a.status), badge(breaker.state, 'breaker')]),
        h('dl', null, [
          h('dt', { text: 'Capabilities' }),
          h('dd', null, (a.capabilities || []).length ? a.capabilities.map(function (c) { return h('span', { class: 'chip', text: c }); }) : h('span', { class: 'hint', text: 'none' })),
          h('dt', { text: 'Runtime' }), h('dd', { text: a.runtime + ' \u00B7 v' + a.version }),
          h('dt', { text: 'Breaker' }), h('dd', { text: label(breaker.state) + ', ' + breaker.failure_count + ' recent failure' + (breaker.failure_count === 1 ? '' : 's') }),
          h('dt', { text: 'Checked' }), h('dd', null, when(a.last_health_check_at)),
          h('dt', { text: 'Heartbeat' }), h('dd', null, when(a.last_heartbeat_at)),
          a.health_message ? h('dt', { text: 'Message' }) : null,
          a.health_message ? h('dd', { text: truncate(a.health_message, 300) }) : null
        ])
      ]);
    });
    var unhealthy = agents.filter(function (a) { return a.status === 'unhealthy'; }).length;
    var open = agents.filter(function (a) { return a.circuit_breaker && a.circuit_breaker.state !== 'closed'; }).length;
    fill(root, panel('Agents', registry.total_count + ' registered', [
      h('div', { class: 'stats' }, [
        stat(String(registry.healthy_count), 'healthy', 'ok'),
        stat(String(unhealthy), 'unhealthy', unhealthy ? 'bad' : null),
        stat(String(open), 'breakers not closed', open ? 'warn' : null)
      ]),
      agents.length ? h('div', { class: 'cards' }, cards) : h('p', { class: 'hint', text: 'No agents registered.' })
    ]));
    return { busy: false };
  }

  async function showQueue(root) {
    var pages = await Promise.all(TASK_STATUSES.map(function (s) { return api(q('/api/tasks', { status: s, limit: 500 })); }));
    var totals = {};
    var byAgent = {};
    TASK_STATUSES.forEach(function (s, i) {
      totals[s] = pages[i].total;
      pages[i].tasks.forEach(function (t) {
        byAgent[t.agent_id] = byAgent[t.agent_id] || {};
        byAgent[t.agent_id][s] = (byAgent[t.agent_id][s] || 0) + 1;
      });
    });
    var since = Date.now() - THROUGHPUT_MINUTES * 60000;
    var succeeded = pages[TASK_STATUSES.indexOf('succeeded')];
    var recent = succeeded.tasks.filter(function (t) { return t.finished_at && new Date(t.finished_at).getTime() >= since; }).length;
    var capped = recent === succeeded.tasks.length && succeeded.total > succeeded.tasks.length;
    var partial = TASK_STATUSES.some(function (s, i) { return pages[i].total > pages[i].tasks.length; });
    var rows = Object.keys(byAgent).sort().map(function (id) { return { id: id, counts: byAgent[id] }; });
    var columns = [{ title: 'Agent', cell: function (r) { return h('code', { text: r.id }); } }].concat(TASK_STATUSES.map(function (s) {
      return { title: label(s), num: true, cell: function (r) { var n = r.counts[s] || 0; return n ? h('span', { class: s === 'failed' ? 'error-text' : null, text: String(n) }) : '0'; } };
    }));
    fill(root, panel('Queue', 'depth by agent and status', [
      h('div', { class: 'stats' }, [
        stat(String(totals.queued), 'queued', totals.queued ? 'info' : null),
        stat(String(totals.running), 'running', totals.running ? 'info' : null),
        stat(String(totals.failed), 'failed (dead letter)', totals.failed ? 'bad' : null),
        stat((capped ? '\u2265' : '') + recent, 'succeeded in the last ' + THROUGHPUT_MINUTES + ' min', 'ok'),
        stat((recent / THROUGHPUT_MINUTES).toFixed(1), 'tasks per minute')
      ]),
      table(columns, rows, 'No tasks yet.', function (r) { return { 'data-agent-id': r.id }; }),
      partial ? h('p', { class: 'hint', text: 'Per-agent counts cover the newest 500 tasks of each status; the totals above are exact.' }) : null
    ]));
    return { busy: totals.queued + totals.running > 0 };
  }

  function taskColumns() {
    return [
      { title: 'Status', cell: function (t) { return [badge(t.status), t.cancel_requested && t.status === 'running' ? h('span', { class: 'tag', text: 'cancel requested' }) : null]; } },
      { title: 'Agent', cell: function (t) { return h('code', { text: t.agent_id }); } },
      { title: 'Action', cell: function (t) { return t.action; } },
      { title: 'Attempts', num: true, cell: function (t) { return t.attempts + ' / ' + t.max_attempts; } },
      { title: 'Error', cell: function (t) { return t.last_error ? h('span', { class: 'truncate error-text', title: t.last_error, text: truncate(t.last_error, 160) }) : ''; } },
      { title: 'Created', cell: function (t) { return when(t.created_at); } },
      { title: 'Task', cell: function (t) { return h('code', { title: t.id, text: shortId(t.id) }); } },
      { title: 'Actions', cell: function (t) { var buttons = taskButtons(t); return buttons.length ? h('div', { class: 'actions' }, buttons) : ''; } }
    ];
  }
  function taskButtons(task) {
    var buttons = [];
    if (task.status === 'failed' || task.status === 'cancelled') buttons.push(taskButton('Retry', 'retry', task));
    if (task.status === 'queued' || task.status === 'running') buttons.push(taskButton('Cancel', 'cancel', task));
    return buttons;
  }
  function taskButton(text, verb, task) {
    return h('button', {
      type: 'button', class: 'btn btn-' + verb, 'data-action': verb, title: text + ' task ' + task.id,
      onclick: async function (event) {
        event.currentTarget.disabled = true;
        try {
          var updated = await api('/api/tasks/' + seg(task.id) + '/' + verb, { method: 'POST' });
          notify(text + ': task ' + shortId(task.id) + ' is now ' + label(updated.status), 'ok');
        } catch (e) {
          notify(text + ' failed for task ' + shortId(task.id) + ': ' + e.message, 'bad');
        }
        await refresh();
      }
    }, text);
  }
  async function showTasks(root) {
    var results = await Promise.all([
      api(q('/api/tasks', { status: 'failed', limit: 50 })),
      api(q('/api/tasks', { status: state.taskFilter, limit: 50 }))
    ]);
    var failed = results[0];
    var recent = results[1];
    var rowProps = function (t) { return { 'data-task-id': t.id, 'data-status': t.status }; };
    var filter = h('select', { id: 'task-filter', 'aria-label': 'Show tasks with status', onchange: function (e) { state.taskFilter = e.target.value; refresh(); } },
      [h('option', { value: '', text: 'all statuses' })].concat(TASK_STATUSES.map(function (s) {
        return h('option', { value: s, selected: state.taskFilter === s, text: label(s) });
      })));
    fill(root, [
      panel('Failed tasks', failed.total + ' in the dead-letter list' + (failed.total > failed.tasks.length ? ', newest ' + failed.tasks.length + ' shown' : ''),
        [table(taskColumns(), failed.tasks, 'No failed tasks.', rowProps)], { id: 'failed-tasks' }),
      panel('Recent tasks', 'newest first', [h('p', null, filter), table(taskColumns(), recent.tasks, 'No tasks.', rowProps)], { id: 'recent-tasks' })
    ]);
    return { busy: recent.tasks.some(function (t) { return t.status === 'queued' || t.status === 'running'; }) };
  }

  function eventTone(type) {
    if (/Failed$/.test(type)) return 'bad';
    if (/Compensat|Cancel/.test(type)) return 'warn';
    if (/Completed$|Saga(Completed)$/.test(type)) return 'ok';
    return 'info';
  }
  function eventDetail(data) {
    var parts = [];
    if (data.agent_id) parts.push('agent ' + data.agent_id);
    if (data.action) parts.push('action ' + data.action);
    if (data.attempts !== undefined) parts.push(data.attempts + ' attempt' + (data.attempts === 1 ? '' : 's'));
    if (data.reason) parts.push('reason: ' + data.reason);
    if (data.kind) parts.push(data.kind);
    if (data.until) parts.push('until ' + data.until);
    if (data.event_type) parts.push('waiting for ' + data.event_type);
    if (data.child_run_id) parts.push('child run ' + data.child_run_id);
    if (data.error) parts.push('error: ' + truncate(typeof data.error === 'string' ? data.error : JSON.stringify(data.error), 300));
    return parts.join(' \u00B7 ');
  }
  function stepDoes(s) {
    if (s.kind === 'parallel') return 'parallel group';
    if (s.kind === 'branch') return 'sequence';
    if (s.kind === 'sleep') return s.deadline ? ['sleep until ', when(s.deadline)] : 'sleep';
    if (s.kind === 'wait') return ['wait for ', h('code', { text: s.waiting_for || 'event' }), s.deadline ? [' until ', when(s.deadline)] : null].flat();
    if (s.kind === 'workflow') return s.child_run_id ? h('a', { href: '#runs/' + seg(s.child_run_id), text: 'child run ' + shortId(s.child_run_id) }) : 'child run';
    return s.agent_id;
  }
  /** Each parallel group's branches side by side, each lane listing its steps. */
  function groupLanes(steps) {
    var groups = steps.filter(function (s) { return s.kind === 'parallel'; });
    if (!groups.length) return [];
    return groups.map(function (g) {
      var branches = steps.filter(function (s) { return s.parent_id === g.id; });
      return h('div', { class: 'group', 'data-group-id': g.id }, [
        h('h3', null, ['Parallel group ', h('code', { text: g.id }), ' ', badge(g.status)]),
        h('div', { class: 'lanes' }, branches.map(function (b) {
          var inner = steps.filter(function (s) { return s.parent_id === b.id; });
          return h('div', { class: 'lane', 'data-branch-id': b.id }, [
            h('p', null, [h('strong', { text: b.id }), ' ', badge(b.status)]),
            h('p', { class: 'hint' }, stepDoes(b)),
            inner.length ? h('ol', null, inner.map(function (s) { return h('li', { 'data-step-id': s.id }, [h('code', { text: s.id }), ' ', badge(s.status), ' ', h('span', { class: 'hint' }, stepDoes(s))]); })) : null
          ]);
        }))
      ]);
    });
  }
  async function showRuns(root) {
    var list = await api(q('/api/workflow-runs', { limit: 50 }));
    var columns = [
      { title: 'Status', cell: function (r) { return badge(r.status); } },
      { title: 'Workflow', cell: function (r) { return h('code', { text: r.workflow_id }); } },
      { title: 'Started', cell: function (r) { return when(r.created_at); } },
      { title: 'Finished', cell: function (r) { return when(r.finished_at); } },
      { title: 'Error', cell: function (r) { return r.error ? h('span', { class: 'truncate error-text', text: truncate(r.error, 160) }) : ''; } },
      { title: 'Run', cell: function (r) {
        return h('a', { href: '#runs/' + seg(r.id), class: 'btn', 'data-run-id': r.id, title: 'Open the timeline of run ' + r.id }, 'Timeline ' + shortId(r.id));
      } }
    ];
    var children = [panel('Workflow runs', list.total + ' runs, newest first', [
      table(columns, list.runs, 'No workflow runs yet.', function (r) { return { 'data-run-id': r.id, class: r.id === state.runId ? 'selected' : null }; })
    ])];
    var busy = list.runs.some(function (r) { return r.status === 'running' || r.status === 'compensating'; });
    if (state.runId) {
      var run = await api('/api/workflow-runs/' + seg(state.runId));
      busy = busy || run.status === 'running' || run.status === 'compensating';
      var stepsById = {};
      (run.steps || []).forEach(function (s) { stepsById[s.id] = s; });
      var depth = function (s) { var d = 0; for (var p = s.parent_id; p && d < 5; p = (stepsById[p] || {}).parent_id) d++; return d; };
      var stepColumns = [
        { title: 'Step', cell: function (s) { return h('code', { text: s.id, class: depth(s) ? 'depth-' + Math.min(depth(s), 3) : null }); } },
        { title: 'Does', cell: function (s) { return stepDoes(s); } },
        { title: 'Status', cell: function (s) { return badge(s.status); } },
        { title: 'Attempts', num: true, cell: function (s) { return String(s.attempts); } },
        { title: 'Error', cell: function (s) { return s.error ? h('span', { class: 'truncate error-text', text: truncate(s.error, 200) }) : ''; } }
      ];
      var events = (run.timeline || []).map(function (e) {
        var data = e.data || {};
        var compensation = /Compensat/.test(e.type);
        return h('li', { class: 'tone-' + eventTone(e.type), 'data-event-type': e.type }, [
          h('span', { class: 'when' }, when(e.timestamp)),
          h('strong', { text: e.type }),
          data.step_id ? [' \u00B7 step ', h('code', { text: data.step_id })] : null,
          compensation ? h('span', { class: 'tag', text: 'compensation' }) : null,
          h('span', { class: 'detail', text: eventDetail(data) })
        ].flat());
      });
      children.push(panel('Run ' + shortId(run.id), run.workflow_id, [
        h('p', null, [badge(run.status), ' ', h('code', { text: run.id })]),
        run.error ? h('p', { class: 'error-text', text: run.error }) : null,
        h('h3', { text: 'Steps' }),
        table(stepColumns, run.steps || [], 'No steps.', function (s) { return { 'data-step-id': s.id }; }),
        h('div', { id: 'run-groups' }, groupLanes(run.steps || [])),
        h('h3', { text: 'Timeline' }),
        events.length ? h('ol', { class: 'timeline', id: 'run-timeline' }, events) : h('p', { class: 'hint', text: 'No events yet.' }),
        h('p', null, h('a', { href: '#runs', class: 'btn', text: 'Close' }))
      ], { id: 'run-detail' }));
    }
    fill(root, children);
    return { busy: busy };
  }

  async function showProfiles(root) {
    var list = await api(q('/api/profiles', { limit: 100 }));
    var columns = [
      { title: 'Name', cell: function (p) { return h('strong', { text: p.name }); } },
      { title: 'Organization', cell: function (p) { return p.organization; } },
      { title: 'EIN', cell: function (p) { return p.ein || ''; } },
      { title: 'Focus areas', cell: function (p) { return (p.focus_areas || []).map(function (f) { return h('span', { class: 'chip', text: f }); }); } },
      { title: 'States', cell: function (p) { return (p.states || []).join(', '); } },
      { title: 'Version', num: true, cell: function (p) { return String(p.version); } },
      { title: 'Reports', cell: function (p) {
        return h('a', { href: '#profiles/' + seg(p.id), class: 'btn', 'data-profile-id': p.id }, 'Reports');
      } }
    ];
    var children = [panel('Profiles', list.total + ' profiles', [
      table(columns, list.profiles, 'No profiles yet.', function (p) { return { 'data-profile-id': p.id, class: p.id === state.profileId ? 'selected' : null }; })
    ])];
    if (state.profileId) {
      var profile = list.profiles.filter(function (p) { return p.id === state.profileId; })[0];
      var reports = (await api('/api/profiles/' + seg(state.profileId) + '/reports')).reports;
      var items = reports.map(function (r) {
        return h('details', { class: 'panel', 'data-run-id': r.run_id }, [
          h('summary', null, ['Tier ' + r.tier + ' \u00B7 run ', h('code', { text: r.run_id }), ' \u00B7 ', when(r.created_at)]),
          json(r.report)
        ]);
      });
      children.push(panel('Reports' + (profile ? ' for ' + profile.name : ''), reports.length + ' report' + (reports.length === 1 ? '' : 's'), [
        items.length ? h('div', null, items) : h('p', { class: 'hint', text: 'No intelligence reports for this profile yet.' }),
        h('p', null, h('a', { href: '#profiles', class: 'btn', text: 'Close' }))
      ], { id: 'profile-reports' }));
    }
    fill(root, children);
    return { busy: false };
  }

  async function showFlags(root) {
    var flags = (await api('/api/flags')).flags;
    var columns = [
      { title: 'Flag', cell: function (f) { return h('code', { text: f.name }); } },
      { title: 'State', cell: function (f) { return [badge(f.state), f.state === 'rollout' ? ' ' + f.rollout_percentage + ' %' : null]; } },
      { title: 'Switch', cell: function (f) { return flagSwitch(f); } },
      { title: 'Conditions', num: true, cell: function (f) { return String((f.conditions || []).length); } },
      { title: 'Description', cell: function (f) { return f.description; } },
      { title: 'Source', cell: function (f) { return f.source + ' \u00B7 v' + f.version; } },
      { title: 'Updated', cell: function (f) { return when(f.updated_at); } }
    ];
    fill(root, panel('Feature flags', flags.length + ' flags; switching one writes an API override', [
      table(columns, flags, 'No feature flags.', function (f) { return { 'data-flag': f.name, 'data-state': f.state }; })
    ]));
    return { busy: false };
  }
  function flagSwitch(flag) {
    var on = flag.state !== 'disabled';
    var next = on ? 'disabled' : 'enabled';
    return h('button', {
      type: 'button', class: 'switch', role: 'switch', 'aria-checked': on ? 'true' : 'false', 'data-flag': flag.name,
      title: on ? 'Turn ' + flag.name + ' off' : 'Turn ' + flag.name + ' on for everyone',
      onclick: async function (event) {
        event.currentTarget.disabled = true;
        try {
          var saved = await api('/api/flags/' + seg(flag.name), {
            method: 'PUT',
            json: { state: next, rollout_percentage: flag.rollout_percentage, conditions: flag.conditions, description: flag.description }
          });
          notify('Flag ' + saved.name + ' is now ' + label(saved.state), 'ok');
        } catch (e) {
          notify('Could not switch ' + flag.name + ': ' + e.message, 'bad');
        }
        await refresh();
      }
    }, [h('span', { class: 'knob', 'aria-hidden': 'true' }), on ? 'On' : 'Off']);
  }

  var SHOW = { agents: showAgents, queue: showQueue, tasks: showTasks, runs: showRuns, profiles: showProfiles, flags: showFlags };

  // ---- navigation, refresh and the key ---------------------------------------------------------
  function readHash() {
    var parts = (location.hash || '').replace(/^#/, '').split('/');
    state.screen = SCREENS.indexOf(parts[0]) >= 0 ? parts[0] : 'agents';
    state.runId = state.screen === 'runs' && parts[1] ? decodeURIComponent(parts[1]) : null;
    state.profileId = state.screen === 'profiles' && parts[1] ? decodeURIComponent(parts[1]) : null;
  }

  async function refresh() {
    if (!state.key) return;
    clearTimeout(state.timer);
    var generation = ++state.generation;
    var screen = state.screen;
    var root = $('screen-' + screen);
    document.querySelectorAll('#tabs a').forEach(function (a) {
      if (a.getAttribute('data-screen') === screen) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    document.querySelectorAll('main > section').forEach(function (s) { s.hidden = s !== root; });
    var outcome = { busy: false };
    try {
      var holder = document.createElement('div');
      outcome = await SHOW[screen](holder);
      // A newer refresh (tab switch, click) started meanwhile: its result wins.
      if (generation !== state.generation) return;
      fill(root, Array.prototype.slice.call(holder.childNodes));
      root.setAttribute('data-loaded', 'true');
      fill($('updated'), 'Updated ' + new Date().toLocaleTimeString());
    } catch (e) {
      if (generation !== state.generation) return;
      if (e && e.status === 401) { signOut('The key was refused (' + e.message + '). Enter a valid key.'); return; }
      var message = e && e.status === 403 ? 'This key may not read this screen: ' + e.message : 'Could not load: ' + (e && e.message ? e.message : String(e));
      fill(root, panel('Problem', null, [h('p', { class: 'error-text', role: 'alert', text: message })]));
      root.setAttribute('data-loaded', 'error');
    }
    state.timer = setTimeout(function () { if (!document.hidden) refresh(); else state.timer = setTimeout(refresh, IDLE_REFRESH_MS); },
      outcome && outcome.busy ? BUSY_REFRESH_MS : IDLE_REFRESH_MS);
  }

  function signedIn(on) {
    $('login').hidden = on;
    $('tabs').hidden = !on;
    $('refresh').hidden = !on;
    $('forget-key').hidden = !on;
    if (!on) document.querySelectorAll('main > section').forEach(function (s) { s.hidden = true; fill(s, null); });
  }
  function signOut(message) {
    clearTimeout(state.timer);
    state.generation++;
    state.key = null;
    try { sessionStorage.removeItem(STORAGE_KEY); } catch (e) { /* storage disabled: nothing kept anyway */ }
    fill($('updated'), null);
    signedIn(false);
    fill($('login-error'), message || null);
    $('api-key').focus();
  }

  async function signIn(key) {
    state.key = key;
    try {
      await api('/api/agents');
    } catch (e) {
      state.key = null;
      fill($('login-error'), e.status === 401 ? 'That key was refused.' : 'Could not check the key: ' + e.message);
      return;
    }
    try { sessionStorage.setItem(STORAGE_KEY, key); } catch (e) { /* private mode: the key lives until reload */ }
    fill($('login-error'), null);
    $('api-key').value = '';
    signedIn(true);
    readHash();
    await refresh();
  }

  function start() {
    $('login').addEventListener('submit', function (event) {
      event.preventDefault();
      var key = $('api-key').value.trim();
      if (key) signIn(key);
    });
    $('refresh').addEventListener('click', function () { refresh(); });
    $('forget-key').addEventListener('click', function () { signOut('Key forgotten. Enter a key to continue.'); });
    window.addEventListener('hashchange', function () { $('notice').hidden = true; readHash(); refresh(); });
    document.addEventListener('visibilitychange', function () { if (!document.hidden && state.key) refresh(); });
    var saved = null;
    try { saved = sessionStorage.getItem(STORAGE_KEY); } catch (e) { saved = null; }
    if (saved) {
      state.key = saved;
      signedIn(true);
      readHash();
      refresh();
    } else {
      signedIn(false);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
`;
