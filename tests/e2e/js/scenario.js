// Drives a running maju server with the real frappe-js-sdk and prints one JSON object of results.
//
// Input (environment): MAJU_URL, MAJU_API_KEY, MAJU_API_SECRET, MAJU_USER, MAJU_PASSWORD.
// Each step records either its value or the FrappeError the SDK threw, so the pytest side
// (tests/e2e/test_frappe_js_sdk.py) asserts on exactly what a real SDK user would see.
'use strict';

const { FrappeApp } = require('frappe-js-sdk');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
};

const url = env('MAJU_URL');
const results = {};

// Runs one step; an SDK error becomes {error: {...}} with the fields the SDK exposes.
async function step(name, run) {
  try {
    results[name] = { value: await run() };
  } catch (err) {
    if (err && typeof err === 'object' && 'httpStatus' in err) {
      results[name] = {
        error: {
          httpStatus: err.httpStatus,
          exception: err.exception,
          exc_type: err.exc_type,
          message: err.message,
        },
      };
    } else {
      results[name] = { crash: String(err && err.stack ? err.stack : err) };
    }
  }
}

// Node has no browser cookie jar: axios ignores withCredentials there. A node user keeps the
// `sid` cookie by hand on the SDK's own axios instance; this is the minimal such jar.
function withCookieJar(app) {
  const jar = new Map();
  app.axios.interceptors.response.use(
    (res) => remember(res),
    (err) => {
      if (err.response) remember(err.response);
      return Promise.reject(err);
    },
  );
  function remember(res) {
    for (const line of res.headers['set-cookie'] || []) {
      const [pair, ...attrs] = line.split(';');
      const [key, ...rest] = pair.split('=');
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) jar.delete(key.trim());
      else jar.set(key.trim(), rest.join('='));
    }
    return res;
  }
  app.axios.interceptors.request.use((config) => {
    if (jar.size) {
      config.headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    return config;
  });
  return jar;
}

async function tokenScenario() {
  const token = `${env('MAJU_API_KEY')}:${env('MAJU_API_SECRET')}`;
  const app = new FrappeApp(url, { useToken: true, token: () => token, type: 'token' });
  const db = app.db();
  const call = app.call();

  await step('token_who', () => app.auth().getLoggedInUser());
  await step('create', () =>
    db.createDoc('ToDo', {
      description: 'js first',
      priority: 'High',
      date: '2026-03-04',
      checklist: [{ item: 'one' }, { item: 'two', done: 1 }],
    }),
  );
  await step('create_second', () => db.createDoc('ToDo', { description: 'js second', priority: 'Low' }));
  const first = results.create.value || {};
  const second = results.create_second.value || {};

  await step('list', () =>
    db.getDocList('ToDo', {
      fields: ['name', 'priority', 'description'],
      filters: [['description', 'like', 'js%']],
      orderBy: { field: 'priority', order: 'asc' },
      limit: 1,
    }),
  );
  await step('list_defaults', () => db.getDocList('ToDo'));
  await step('list_filter_dict_start', () =>
    db.getDocList('ToDo', { filters: { priority: 'Low' }, limit_start: 0, limit: 10 }),
  );
  await step('list_as_arrays', () =>
    db.getDocList('ToDo', { fields: ['name'], filters: [['priority', '=', 'High']], asDict: false }),
  );
  await step('get', () => db.getDoc('ToDo', first.name));
  await step('update', () =>
    db.updateDoc('ToDo', first.name, { status: 'Closed', checklist: [{ item: 'three' }] }),
  );
  await step('count_all', () => db.getCount('ToDo'));
  await step('count_filtered', () => db.getCount('ToDo', [['priority', '=', 'Low']]));
  await step('delete', () => db.deleteDoc('ToDo', second.name));
  await step('get_deleted', () => db.getDoc('ToDo', second.name));
  await step('call_get', () => call.get('todo.api.hello', { name: 'Ann' }));
  await step('call_post', () => call.post('todo.api.close', { name: first.name, reason: 'js' }));
  await step('call_post_get_only', () => call.post('todo.api.hello', {}));
  await step('call_unknown', () => call.get('todo.api.nope'));
  await step('upload', async () => {
    const file = new File(['hello from js'], 'js-note.txt', { type: 'text/plain' });
    const res = await app.file().uploadFile(file, {
      isPrivate: true,
      doctype: 'ToDo',
      docname: first.name,
    });
    return res.data;
  });
  await step('bad_token', () =>
    new FrappeApp(url, { useToken: true, token: () => `${env('MAJU_API_KEY')}:nope`, type: 'token' })
      .auth()
      .getLoggedInUser(),
  );
}

async function sessionScenario() {
  const app = new FrappeApp(url);
  const auth = app.auth();
  // Without a jar the session cookie is lost in node: the next call is a Guest.
  await step('login_no_jar', () =>
    auth.loginWithUsernamePassword({ username: env('MAJU_USER'), password: env('MAJU_PASSWORD') }),
  );
  await step('who_no_jar', () => auth.getLoggedInUser());

  const jar = withCookieJar(app);
  await step('login_wrong', () =>
    auth.loginWithUsernamePassword({ username: env('MAJU_USER'), password: 'wrong' }),
  );
  await step('login', () =>
    auth.loginWithUsernamePassword({ username: env('MAJU_USER'), password: env('MAJU_PASSWORD') }),
  );
  results.cookies = [...jar.keys()].sort();
  await step('session_who', () => auth.getLoggedInUser());
  await step('session_create', () => app.db().createDoc('ToDo', { description: 'js session' }));
  await step('logout', () => auth.logout());
  results.cookies_after_logout = [...jar.keys()].sort();
  await step('who_after_logout', () => auth.getLoggedInUser());
}

(async () => {
  await tokenScenario();
  await sessionScenario();
  process.stdout.write(JSON.stringify(results));
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
