import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr together. */
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts a real api or worker process from source (ts-node, no build needed), the way tests of
 * crashes, signals and several workers need them: separate processes, not modules in jest.
 */
export function startProcess(app: 'api' | 'worker', env: NodeJS.ProcessEnv): RunningProcess {
  return startNode(
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', `apps/${app}/src/main.ts`],
    env,
  );
}

/**
 * Starts an app from dist/ the way `npm start` runs it (building first when the build is stale):
 * for benchmarks, which must measure the artifact that ships, not ts-node and its stack-trace
 * source mapping. `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export function startBuilt(
  app: 'api' | 'worker',
  env: NodeJS.ProcessEnv,
  nodeArgs: string[] = [],
): RunningProcess {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-needed.js')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return startNode([...nodeArgs, join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], env);
}

export function startNode(args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => text,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForOutput: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in output:\n${text.slice(-2000)}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (!pattern.test(text) && listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before ${pattern}; output:\n${text.slice(-2000)}`));
          }
        });
        check();
      }),
  };
}
