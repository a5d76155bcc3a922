'use strict';
// The live isolation page: polls GET /status, draws apps -> kinds -> keys -> circuits -> exits, and sends the
// buttons' POSTs with this run's token. Text goes into the page only through textContent: under --unsafe-logging
// keys and names are whatever clients sent.
(function () {
  const POLL_MILLIS = 1000;
  const token = document.querySelector('meta[name="streamiso-token"]').content;
  const apps = document.getElementById('apps');
  const tor = document.getElementById('tor');
  const totals = document.getElementById('totals');
  const message = document.getElementById('message');
  const updated = document.getElementById('updated');
  let timer = null;

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function fact(label, value) {
    const span = el('span', 'fact', label + ' ');
    span.appendChild(el('b', null, value));
    return span;
  }

  function bytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  // Tor's long names: $FINGERPRINT~nickname (or =nickname), or $FINGERPRINT alone.
  function exitParts(exit) {
    const m = /^\$([0-9A-Fa-f]{40})(?:[~=](.+))?$/.exec(exit || '');
    return m ? { fingerprint: m[1].toUpperCase(), nickname: m[2] || '(no nickname)' }
      : { fingerprint: exit || '', nickname: exit ? exit : 'exit not known yet' };
  }

  function say(text, isError) {
    delete message.dataset.poll;
    message.textContent = text;
    message.className = 'line' + (isError ? ' error' : '');
  }

  async function post(path) {
    const response = await fetch(path, { method: 'POST', cache: 'no-store', credentials: 'omit',
      headers: { 'X-Streamiso-Token': token } });
    let answer = {};
    try { answer = await response.json(); } catch (e) { /* not JSON: the status line says enough */ }
    if (!response.ok) {
      throw new Error('HTTP ' + response.status + (answer.error ? ': ' + answer.error : ''));
    }
    return answer;
  }

  function renewButton(key) {
    const button = el('button', 'renew', 'New identity');
    button.type = 'button';
    button.title = 'A new identity epoch for this key: its new streams get new circuits; its open streams and'
      + ' every other key keep theirs.';
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const answer = await post('/renew?ref=' + encodeURIComponent(key.ref));
        say('Renewed ' + (answer.key === null ? 'the clients without credentials' : 'key ' + answer.key)
          + ' (epoch ' + answer.epoch + '): its new streams get new circuits.', false);
      } catch (e) {
        say('Nothing was renewed: ' + e.message, true);
      }
      refresh();
    });
    return button;
  }

  function drawKey(key, violated) {
    const li = el('li', 'key');
    li.dataset.ref = key.ref;
    li.dataset.epoch = String(key.epoch);
    const head = el('div', 'key-head');
    head.appendChild(el('span', 'key-name', key.key === null ? '(no credentials)' : key.key));
    head.appendChild(fact('ref', key.ref));
    head.appendChild(fact('client', key.client));
    head.appendChild(fact('epoch', key.epoch));
    head.appendChild(fact('streams', key.openStreams));
    head.appendChild(fact('sent', bytes(key.bytesFromClient)));
    head.appendChild(fact('received', bytes(key.bytesToClient)));
    if (key.refusedByTor || key.refusedByProxy) {
      head.appendChild(fact('refused', key.refusedByTor + ' by Tor, ' + key.refusedByProxy + ' by proxy-core'));
    }
    head.appendChild(renewButton(key));
    li.appendChild(head);
    if (key.circuits.length === 0) {
      li.appendChild(el('p', 'pending', key.openStreams > 0 ? 'circuit not known yet' : 'no open stream'));
      return li;
    }
    const circuits = el('ul', 'circuits');
    for (const c of key.circuits) {
      const item = el('li', 'circuit' + (violated.has(c.id) ? ' shared' : ''));
      item.dataset.circuit = c.id;
      item.dataset.exit = c.exit || '';
      const exit = exitParts(c.exit);
      item.appendChild(el('span', 'circuit-id', 'circuit ' + c.id));
      item.appendChild(el('span', 'arrow', '\u2192 exit'));
      item.appendChild(el('span', 'exit-name', exit.nickname));
      item.appendChild(el('span', 'fingerprint', exit.fingerprint));
      item.appendChild(fact('streams', c.streams));
      item.appendChild(fact('sent', bytes(c.bytesFromClient)));
      item.appendChild(fact('received', bytes(c.bytesToClient)));
      if (violated.has(c.id)) item.appendChild(el('span', 'violation', 'carries streams of another key'));
      circuits.appendChild(item);
    }
    li.appendChild(circuits);
    return li;
  }

  function draw(status) {
    const a = status.audit;
    tor.textContent = '';
    if (!a.on) {
      tor.appendChild(el('span', null, 'Tor: no ControlPort (start proxy-core with --tor-control and --tor-cookie'
        + ' to see circuits and exits).'));
    } else {
      tor.appendChild(el('span', null, 'Tor: ControlPort ' + (a.connected ? 'connected' : 'not connected')
        + (a.bootstrap >= 0 ? ', bootstrapped ' + a.bootstrap + '%' : '') + '; isolation audit: '));
      tor.appendChild(a.violations === 0 ? el('span', 'good', 'no violation')
        : el('span', 'violation', a.violations + ' violation(s) on circuit(s) ' + a.violatedCircuits.join(', ')));
    }
    const t = status.totals;
    totals.textContent = t.open + ' open streams, ' + t.relayed + ' relayed since start, ' + bytes(t.bytesFromClients)
      + ' sent, ' + bytes(t.bytesToClients) + ' received; refused: ' + t.refusedByTor + ' by Tor, '
      + t.refusedByProxy + ' by proxy-core' + (status.unsafeLogging ? '; keys shown in clear (--unsafe-logging)'
      : '; keys [scrubbed] (start proxy-core with --unsafe-logging to show them)');
    const violated = new Set(status.circuits.filter(c => c.violated).map(c => c.id));
    const fragment = document.createDocumentFragment();
    for (const app of status.apps) {
      const section = el('section', 'app');
      section.dataset.app = app.app;
      section.appendChild(el('h2', null, app.app));
      for (const kind of app.kinds) {
        const div = el('div', 'kind');
        div.dataset.kind = kind.kind;
        div.appendChild(el('h3', null, 'isolation: ' + kind.kind));
        const keys = el('ul', 'keys');
        for (const key of kind.keys) keys.appendChild(drawKey(key, violated));
        div.appendChild(keys);
        section.appendChild(div);
      }
      fragment.appendChild(section);
    }
    if (status.apps.length === 0) {
      fragment.appendChild(el('p', 'empty', 'No client streams now. Point an application (or the streamiso agent,'
        + ' port=) at proxy-core\'s SocksPort; its keys appear here.'));
    }
    apps.replaceChildren(fragment);
    updated.textContent = 'taken ' + status.takenAt;
  }

  async function refresh() {
    clearTimeout(timer);
    timer = null;
    try {
      const response = await fetch('/status', { cache: 'no-store', credentials: 'omit' });
      const status = await response.json();
      if (!response.ok) throw new Error('HTTP ' + response.status + (status.error ? ': ' + status.error : ''));
      draw(status);
      if (message.dataset.poll) say('', false);
    } catch (e) {
      say('proxy-core\'s status endpoint did not answer (' + e.message + '); trying again.', true);
      message.dataset.poll = '1';
    }
    if (!document.hidden) timer = setTimeout(refresh, POLL_MILLIS);
  }

  document.getElementById('newnym').addEventListener('click', async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await post('/newnym');
      say('Sent SIGNAL NEWNYM: the new streams of every key get new circuits.', false);
    } catch (e) {
      say('NEWNYM was not sent: ' + e.message, true);
    }
    button.disabled = false;
    refresh();
  });
  // A hidden page stops polling; it catches up when shown again.
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  refresh();
})();
