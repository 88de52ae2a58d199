import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { LoginDocument, LogoutDocument, MeDocument, MyTenantsDocument, SwitchTenantDocument } from '../../sdk/generated/graphql.js';
import { CliError, EXIT, printJson, printTable, unwrap } from '../output.js';
import { anonymousClient, resolveApi, signedInClient, toStored } from '../session.js';
import { deleteSession, readSession, sessionFile, writeSession } from '../store.js';
import type { GlobalOptions } from '../index.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal; the password is not echoed. */
async function prompt(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/: $/, '')} is required (no terminal to ask on)`, EXIT.usage);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write(s.startsWith(question) ? s : '');
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    if (hidden) process.stderr.write('\n');
    rl.close();
  }
}

export function authCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('login')
    .description('sign in and store the session in the config dir')
    .option('-e, --email <email>', 'account email (or LEAP_EMAIL)')
    .option('--password-stdin', 'read the password from standard input (else LEAP_PASSWORD, else a prompt)')
    .action(async (options: { email?: string; passwordStdin?: boolean }) => {
      const api = await resolveApi(globals().api);
      const email = options.email || process.env.LEAP_EMAIL || (await prompt('Email: '));
      const password = options.passwordStdin ? await readStdin() : (process.env.LEAP_PASSWORD || (await prompt('Password: ', true)));
      const { login } = await anonymousClient(api).request(LoginDocument, { input: { email, password } });
      const tokens = unwrap(login, 'AuthPayload');
      await writeSession(api, toStored(tokens));
      if (globals().json) printJson({ api, email: tokens.user.email, tenant: tokens.tenant });
      else process.stdout.write(`logged in to ${api} as ${tokens.user.email}, workspace "${tokens.tenant.name}"\n`);
    });

  program
    .command('logout')
    .description('end the session on the server and forget it here')
    .action(async () => {
      const api = await resolveApi(globals().api);
      if (!(await readSession(api))) {
        process.stdout.write(`not logged in to ${api}\n`);
        return;
      }
      try {
        const { client } = await signedInClient(api);
        await client.request(LogoutDocument);
      } finally {
        await deleteSession(api);
      }
      process.stdout.write(`logged out of ${api}\n`);
    });

  program
    .command('whoami')
    .description('the signed-in user and workspace')
    .action(async () => {
      const api = await resolveApi(globals().api);
      const { client, session } = await signedInClient(api);
      const { me } = await client.request(MeDocument);
      if (!me) throw new CliError('not logged in: run `leap login`', EXIT.auth);
      if (globals().json) return printJson({ api, user: me, tenant: session.tenant, sessionFile: sessionFile() });
      process.stdout.write(`${me.email} in "${session.tenant.name}" (${session.tenant.id}) at ${api}\n`);
    });

  const tenants = program.command('tenants').description('your workspaces');
  tenants
    .command('list', { isDefault: true })
    .description('the workspaces you belong to (* = active)')
    .action(async () => {
      const api = await resolveApi(globals().api);
      const { client, session } = await signedInClient(api);
      const { myTenants } = await client.request(MyTenantsDocument);
      const rows = myTenants.edges.map(({ node }) => ({ ...node.tenant, role: node.role, active: node.tenant.id === session.tenant.id }));
      if (globals().json) return printJson(rows);
      printTable(['', 'ID', 'NAME', 'ROLE', 'PLAN'], rows.map((t) => [t.active ? '*' : ' ', t.id, t.name, t.role, t.planName]));
    });
  tenants
    .command('switch <tenant>')
    .description('work in another workspace (id or exact name)')
    .action(async (tenant: string) => {
      const api = await resolveApi(globals().api);
      const { client } = await signedInClient(api);
      const { myTenants } = await client.request(MyTenantsDocument);
      const match = myTenants.edges.find(({ node }) => node.tenant.id === tenant || node.tenant.name === tenant);
      if (!match) throw new CliError(`NotFoundError NOT_FOUND: no workspace "${tenant}" among yours (see \`leap tenants list\`)`, EXIT.notFound);
      const { switchTenant } = await client.request(SwitchTenantDocument, { tenantId: match.node.tenant.id });
      const tokens = unwrap(switchTenant, 'AuthPayload');
      await writeSession(api, toStored(tokens));
      if (globals().json) return printJson(tokens.tenant);
      process.stdout.write(`now working in "${tokens.tenant.name}" (${tokens.tenant.id})\n`);
    });
}
