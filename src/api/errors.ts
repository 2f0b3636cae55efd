// The errors the library throws: every one a CapexecError with a stable `code`.
export { CapexecError, ERROR_CODES, SyscallError, type ErrorCode, type ErrorFinding } from '../support/errors';
