import type * as SandboxPackage from '@a2p-onboard/twilio-sandbox';
import { InputError } from './errors.js';

const PACKAGE = '@a2p-onboard/twilio-sandbox';

/** `a2p-onboard sandbox` and `demo` without the sandbox package: a production install, which leaves out devDependencies. */
class SandboxNotInstalledError extends InputError {
  constructor() {
    super(
      `the Twilio sandbox (${PACKAGE}) is a development tool and is not installed here: production installs leave it out. ` +
        'Run `a2p-onboard sandbox` and `demo` from a development install (npm ci in a clone of the repository), or use the image built with `--target sandbox`.',
    );
  }
}

/**
 * Loads the sandbox package on demand. It is a devDependency, so the product imports it only here and
 * only when a command needs it: every other command runs on an install without dev dependencies.
 */
export async function loadSandbox(): Promise<typeof SandboxPackage> {
  try {
    return await import('@a2p-onboard/twilio-sandbox');
  } catch (err) {
    // Only the package itself (not linked, or linked but never built) counts as missing; any other failure is a bug to show.
    if (isModuleNotFound(err) && err.message.includes(PACKAGE)) throw new SandboxNotInstalledError();
    throw err;
  }
}

function isModuleNotFound(err: unknown): err is Error & { code: string } {
  return err instanceof Error && (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
}
