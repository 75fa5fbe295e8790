/**
 * Runs the external tools of the native build (pip, python, node-pre-gyp, tar) without a shell.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';

/** Outcome of {@link runTool}. */
export interface ToolResult {
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  /** Signal that ended the process, if any. */
  readonly signal: NodeJS.Signals | null;
  /** True when the time limit killed it. */
  readonly timedOut: boolean;
  /** All of stdout. */
  readonly stdout: string;
  /** The last lines of stderr and stdout together, for error messages. */
  readonly tail: readonly string[];
  /** Wall time in ms. */
  readonly ms: number;
}

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Working directory. @default process.cwd() */
  readonly cwd?: string;
  /** Extra environment variables (merged over process.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill after this many ms. @default 600000 */
  readonly timeoutMs?: number;
  /** Called for each output line (stdout and stderr). */
  readonly onLine?: (line: string) => void;
  /** How many trailing lines {@link ToolResult.tail} keeps. @default 30 */
  readonly tailLines?: number;
}

/**
 * Runs `command args...` and resolves when it exits (never rejects on a non-zero exit; a missing
 * executable resolves with code 127, like a shell).
 *
 * @param command - executable
 * @param args - arguments
 * @param options - cwd, env, time limit, line callback
 */
export function runTool(command: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  const started = Date.now();
  const keep = options.tailLines ?? 30;
  return new Promise((resolve) => {
    const tail: string[] = [];
    let stdout = '';
    let timedOut = false;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pending: Record<'out' | 'err', string> = { out: '', err: '' };
    const push = (line: string): void => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line);
    };
    const feed = (which: 'out' | 'err', chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (which === 'out') stdout += text;
      const lines = (pending[which] + text).split('\n');
      pending[which] = lines.pop() ?? '';
      for (const l of lines) push(l);
    };
    child.stdout.on('data', (c: Buffer) => feed('out', c));
    child.stderr.on('data', (c: Buffer) => feed('err', c));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, options.timeoutMs ?? 600_000);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const which of ['out', 'err'] as const) if (pending[which]) push(pending[which]);
      resolve({ code, signal, timedOut, stdout, tail, ms: Date.now() - started });
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      push(`${command}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`);
      finish(e.code === 'ENOENT' ? 127 : 126, null);
    });
    child.on('close', finish);
  });
}

/** One line describing how a tool ended: `exit 1`, `killed by SIGTERM (time limit 60 s)`. */
export function describeExit(r: ToolResult, timeoutMs?: number): string {
  if (r.timedOut) return `killed after the time limit${timeoutMs ? ` of ${Math.round(timeoutMs / 1000)} s` : ''}`;
  if (r.signal) return `killed by ${r.signal}`;
  return `exit ${r.code}`;
}
