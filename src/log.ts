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

/** j***@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***@${email.slice(at + 1)}`;
}

/** +1******2671 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '***';
  return `+${digits.slice(0, 1)}${'*'.repeat(digits.length - 5)}${digits.slice(-4)}`;
}
