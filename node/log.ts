/** Structured JSON logs (pino). Fields, never secrets: no shares, seal keys or elements. */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export function createLogger(opts: { nodeIndex?: number; level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const base = opts.nodeIndex === undefined ? {} : { node: opts.nodeIndex };
  return pino(
    { level: opts.level ?? process.env.SPLITKEY_LOG_LEVEL ?? 'info', base, timestamp: pino.stdTimeFunctions.isoTime },
    (opts.destination ?? pino.destination({ dest: 2, sync: false })) as pino.DestinationStream,
  );
}

/** A logger that drops everything (tests, embedded use). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
