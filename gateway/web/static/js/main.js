// main.js: sign-in, the top bar and the router. Routes are hash paths
// (#/parent/…), each with the roles that may open it; any other role sees a
// refusal and no data is asked for. The API checks again on every call.
import { h } from './dom.js';
import { t, lang, setLang } from './i18n.js';
import { ApiError, post, session, saveSession, clearSession, pending } from './api.js';
import { errorBox, showFieldErrors, field, roleName } from './ui.js';
import * as parent from './parent.js';
import * as school from './school.js';
import * as finance from './finance.js';
import * as bureau from './bureau.js';
import * as teacher from './teacher.js';
import * as recon from './recon.js';

const P = 'ROLE_PARENT', S = 'ROLE_SCHOOL_ADMIN', F = 'ROLE_FINANCE_OFFICER', B = 'ROLE_BUREAU_ADMIN';
const T = 'ROLE_TEACHER', I = 'ROLE_INSTRUCTOR';

// routes: pattern, roles, view(params, query) → Node or Promise<Node>.
const routes = [
  { re: /^\/parent$/, roles: [P], view: parent.home, nav: '我的孩子' },
  { re: /^\/parent\/([^/]+)\/([^/]+)$/, roles: [P], view: parent.child },
  { re: /^\/parent\/([^/]+)\/([^/]+)\/statements$/, roles: [P], view: parent.statements },
  { re: /^\/school$/, roles: [S, B], view: school.home, nav: '周计划' },
  { re: /^\/school\/staffing$/, roles: [S, B], view: school.staffing, nav: '人员排班' },
  { re: /^\/school\/enrolments$/, roles: [S, B], view: school.enrolments, nav: '报名审批' },
  { re: /^\/school\/hours$/, roles: [S, B], view: school.hours, nav: '课时审核' },
  { re: /^\/school\/imports$/, roles: [S, B], view: school.imports, nav: '名册导入' },
  { re: /^\/finance$/, roles: [F, B], view: finance.home, nav: '收费批次' },
  { re: /^\/finance\/reconciliation$/, roles: [F, B], view: recon.home, nav: '对账' },
  { re: /^\/finance\/district$/, roles: [F, B], view: recon.district, nav: '区级对账' },
  { re: /^\/finance\/public$/, roles: [F, B], view: finance.publicStatement, nav: '收支公示' },
  { re: /^\/bureau$/, roles: [B], view: bureau.home, nav: '各校' },
  { re: /^\/teacher$/, roles: [T, I], view: teacher.home, nav: '我的一周' },
];

const homes = { [P]: '#/parent', [S]: '#/school', [F]: '#/finance', [B]: '#/bureau', [T]: '#/teacher', [I]: '#/teacher' };

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, query: new URLSearchParams(qs) };
}

function setReady(ready) {
  document.body.dataset.ready = ready ? '1' : '0';
  if (ready) window.kehouReadyAt = performance.now();
}

// waitIdle resolves when no API request is in flight.
async function waitIdle() {
  while (pending() > 0) await new Promise((r) => setTimeout(r, 5));
}

let generation = 0;

async function render() {
  const my = ++generation;
  setReady(false);
  const app = document.getElementById('app');
  const s = session();
  renderTop(s);
  const { path, query } = parseHash();
  let view;
  if (!s || path === '/signin') {
    view = signIn();
  } else if (path === '/' || path === '') {
    location.replace(homes[s.account.role] || '#/signin');
    return;
  } else {
    let match = null, route = null;
    for (const r of routes) { const m = r.re.exec(path); if (m) { match = m; route = r; break; } }
    if (!route) view = notFound();
    else if (!route.roles.includes(s.account.role)) view = denied();
    else {
      app.replaceChildren(h('p', { class: 'loading' }, t('加载中…')));
      try {
        view = await route.view(match.slice(1).map(decodeURIComponent), query, s.account);
      } catch (err) {
        view = h('div', { class: 'page' }, errorBox(err));
        if (err instanceof ApiError && err.status === 401) { clearSession(); location.hash = '#/signin'; return; }
      }
    }
  }
  if (my !== generation) return;
  app.replaceChildren(view);
  await waitIdle();
  if (my === generation) setReady(true);
}

function renderTop(s) {
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  document.getElementById('lang').textContent = lang() === 'en' ? '中文' : 'English';
  const out = document.getElementById('signout');
  out.textContent = t('退出');
  out.hidden = !s;
  document.getElementById('who').textContent = s ? `${s.account.display_name || s.account.user_name} · ${roleName(s.account.role)}` : '';
  if (!s) return;
  const here = parseHash().path;
  for (const r of routes) {
    if (!r.nav || !r.roles.includes(s.account.role)) continue;
    const href = '#' + r.re.source.replace(/^\^\\?/, '').replace(/\$$/, '').replace(/\\\//g, '/');
    nav.appendChild(h('a', { href, class: r.re.test(here) ? 'active' : null }, t(r.nav)));
  }
}

function denied() {
  return h('div', { class: 'page denied', dataset: { denied: '1' } },
    h('h1', {}, t('无权访问此页面')), h('p', {}, t('此页面属于其他角色，当前账号不能查看。')),
    h('a', { href: '#/' }, t('返回首页')));
}

function notFound() {
  return h('div', { class: 'page' }, h('h1', {}, t('未找到')), h('a', { href: '#/' }, t('返回首页')));
}

function signIn() {
  const login = h('input', { name: 'login', autocomplete: 'username', required: false });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const form = h('form', { class: 'card signin', novalidate: true },
    h('h1', {}, t('课后服务'), ' · ', t('登录')),
    field(t('用户名或手机号'), login), field(t('密码'), password),
    h('button', { type: 'submit', class: 'primary' }, t('登录')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await post('/v1/auth/sign-in', { login: login.value.trim(), password: password.value }, { anonymous: true });
      saveSession({ access_token: r.tokens.access_token, refresh_token: r.tokens.refresh_token, account: r.account });
      location.hash = homes[r.account.role] || '#/';
      if (location.hash === '#/') render();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        err.violations = [{ field: 'password', text: lang() === 'en' ? 'Wrong user name or password' : '用户名或密码错误' }];
        err.message = lang() === 'en' ? 'Sign-in failed' : '登录失败';
      }
      showFieldErrors(form, err);
    }
  });
  return h('div', { class: 'page' }, form);
}

document.getElementById('lang').addEventListener('click', () => { setLang(lang() === 'en' ? 'zh' : 'en'); render(); });
document.getElementById('signout').addEventListener('click', async () => {
  try { await post('/v1/auth/sign-out', { refresh_token: (session() || {}).refresh_token || '' }); } catch { /* signed out locally anyway */ }
  clearSession();
  location.hash = '#/signin';
});
window.addEventListener('hashchange', render);
setLang(lang());
render();




