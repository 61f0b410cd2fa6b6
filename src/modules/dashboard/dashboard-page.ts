// The dashboard's HTML shell, served as /dashboard: static markup only; app.js fills it from the REST API.
// It holds no data, so nothing from the API is ever rendered on the server.

export const DASHBOARD_PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Catalynx dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<header>
  <div class="topbar">
    <h1 class="brand">Catalynx</h1>
    <span class="spacer"></span>
    <span class="updated" id="updated" aria-live="off"></span>
    <button type="button" class="btn btn-dark" id="refresh" hidden>Refresh</button>
    <button type="button" class="btn btn-dark" id="forget-key" hidden>Forget key</button>
  </div>
  <nav class="tabs" id="tabs" aria-label="Screens" hidden>
    <a href="#agents" data-screen="agents">Agents</a>
    <a href="#queue" data-screen="queue">Queue</a>
    <a href="#tasks" data-screen="tasks">Tasks</a>
    <a href="#runs" data-screen="runs">Workflow runs</a>
    <a href="#profiles" data-screen="profiles">Profiles</a>
    <a href="#flags" data-screen="flags">Flags</a>
  </nav>
</header>
<main>
  <form class="panel login" id="login" hidden>
    <h2>Sign in with an API key</h2>
    <p class="hint">The key stays in this browser tab only (session storage) and is sent as a Bearer token to the Catalynx API.</p>
    <label for="api-key">API key</label>
    <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit" class="btn btn-primary">Open dashboard</button>
    <p class="error-text" id="login-error" role="alert"></p>
  </form>
  <div class="notice" id="notice" role="status" aria-live="polite" hidden></div>
  <section id="screen-agents" data-screen="agents" hidden></section>
  <section id="screen-queue" data-screen="queue" hidden></section>
  <section id="screen-tasks" data-screen="tasks" hidden></section>
  <section id="screen-runs" data-screen="runs" hidden></section>
  <section id="screen-profiles" data-screen="profiles" hidden></section>
  <section id="screen-flags" data-screen="flags" hidden></section>
  <noscript><p class="panel">The dashboard needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;
