import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Customer PII never goes in unmasked: use the mask helpers
 * for anything that came from a CSV, and pino's redaction catches the usual secret keys.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  const opts = {
    level,
    base: { service: 'a2p-onboard' },
    redact: {
      paths: ['authToken', 'password', '*.authToken', '*.password', 'email', 'phone', '*.email', '*.phone', 'headers.authorization'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(opts, destination as pino.DestinationStream) : pino(opts, pino.destination(2));
}

// Masking helpers for customer data live with the data: maskEmail/maskPhone in src/customers.
