import type { WorkspaceAdmin } from '../../admin/workspace-admin';
import { ErrorCodes, MailPolicyError } from '../../model/errors';

function describe(error: unknown): string {
  if (MailPolicyError.isMailPolicyError(error)) return error.format();
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Runs one read of the tenant; any failure becomes MP5000 naming what could not be read and from where. An import
 * never goes on with part of the tenant: a partial read would silently drop objects.
 */
export async function reading<T>(admin: WorkspaceAdmin, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new MailPolicyError(
      ErrorCodes.IMPORT_FAILED,
      `import failed: could not read ${what} from ${admin.target.description}: ${describe(error)}. Nothing was written; fix the cause (credentials, scopes, network) and run the import again.`,
      { what },
    );
  }
}
