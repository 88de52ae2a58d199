import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `leap` binary (cli/leap.mjs, package.json "bin") as a child process, with its own config dir. */
export async function cliRunner(apiUrl: string): Promise<{ configHome: string; run(args: string[], options?: { stdin?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<CliResult>; cleanup(): Promise<void> }> {
  const configHome = await mkdtemp(path.join(tmpdir(), 'leap-cli-config-'));
  return {
    configHome,
    run(args, options = {}) {
      const child = spawn(process.execPath, [path.resolve('cli/leap.mjs'), ...args], {
        env: { ...process.env, XDG_CONFIG_HOME: configHome, LEAP_API_URL: apiUrl, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(options.stdin ?? '');
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`leap ${args.join(' ')} did not exit within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, options.timeoutMs ?? 60_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    },
    cleanup: () => rm(configHome, { recursive: true, force: true }),
  };
}
