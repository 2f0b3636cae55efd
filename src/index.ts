// The library: what `require('capexec')` and `import … from 'capexec'` give.
export { capabilityState, threadCapabilities, type CapabilityState, type ThreadCapabilities } from './api/state';
export { drop, DropError, type DropResult, type DroppedSet } from './api/drop';
export { run, RunError, type CapexecExitCode, type RunOptions } from './api/run';
export { CapexecError, ERROR_CODES, SyscallError, type ErrorCode, type ErrorFinding } from './api/errors';
