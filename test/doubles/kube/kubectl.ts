/** Runs the real kubectl binary against the double (asynchronously: the double answers from this same process). */
import { spawn } from 'node:child_process';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The binary: `$KUBECTL`, else `kubectl` on PATH (/usr/bin/kubectl here, a gcloud dispatcher to kubectl 1.32). */
export const kubectlBinary = process.env['KUBECTL'] ?? 'kubectl';

/**
 * `kubectl --kubeconfig FILE ARGS...` with HOME set to `home` (kubectl's discovery cache stays out of the
 * user's). Rejects, with a message that says so, when kubectl is not installed.
 */
export function runKubectl(
  kubeconfig: string,
  args: readonly string[],
  options: { home: string; timeoutMs?: number },
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary, ['--kubeconfig', kubeconfig, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: options.home },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `kubectl is not installed (no "${kubectlBinary}" on PATH; set KUBECTL to its path): these tests need the real binary`,
            )
          : error,
      );
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
