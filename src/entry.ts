import { run } from './cli/run';

run(process.argv.slice(2));
