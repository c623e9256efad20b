// A real OpenID provider for the single sign-on tests (tests/test_sso.py): the certified
// npm package oidc-provider, on 127.0.0.1 only, with one static client and the test accounts
// below. Usage: node provider.js PORT REDIRECT_URI POST_LOGOUT_REDIRECT_URI
//
// No browser form: the login interaction signs in the account named by the authorisation
// request's login_hint (the tests add it to the URL the app redirects to), and consent is
// granted by loadExistingGrant, as a provider's admin would pre-approve a company app.
import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  alice: { email: 'alice@firm.example', email_verified: true, name: 'Alice Liddell', groups: [] },
  carol: {
    email: 'carol@partner.example', email_verified: true, name: 'Carol 陈', groups: ['pc-leads'],
  },
  lead: { email: 'lead@example.com', email_verified: true, name: 'Lead', groups: [] },
  member: { email: 'member@example.com', email_verified: true, name: 'Member', groups: [] },
  admin: { email: 'admin@example.com', email_verified: true, name: 'Admin', groups: [] },
  mallory: { email: 'mallory@firm.example', email_verified: false, name: 'Mallory', groups: [] },
  unverified_lead: {
    email: 'lead@example.com', email_verified: false, name: 'Not the lead', groups: [],
  },
  eve: { email: 'eve@elsewhere.example', email_verified: true, name: 'Eve', groups: [] },
  // Whose authorisation codes expire after one second (the expired code's test).
  slow: { email: 'slow@firm.example', email_verified: true, name: 'Slow', groups: [] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'partnership-check',
    client_secret: 'test-client-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  cookies: { keys: ['only-for-the-tests'] },
  ttl: {
    AuthorizationCode: (ctx, code) => (code.accountId === 'slow' ? 1 : 60),
    IdToken: 300,
    AccessToken: 300,
    Session: 600,
    Interaction: 300,
    Grant: 600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: `sub-${id}`, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const accountId = details.params.login_hint;
    if (details.prompt.name !== 'login' || !accounts[accountId]) {
      ctx.status = 400;
      ctx.body = `no test account ${accountId}`;
      return;
    }
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId } });
    return;
  }
  await next();
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
