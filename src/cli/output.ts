// Where CLI text goes: with --json, human-readable lines go to stderr and exactly one JSON
// object is printed as the last line of stdout, so scripts can `tail -1 | jq`.
export class CliOutput {
  constructor(readonly json: boolean) {}
  info(line: string): void {
    (this.json ? process.stderr : process.stdout).write(line + '\n');
  }
  warn(line: string): void {
    process.stderr.write(line + '\n');
  }
  result(value: unknown, human?: string): void {
    if (this.json) process.stdout.write(JSON.stringify(value) + '\n');
    else if (human !== undefined) {
      if (human) process.stdout.write(human + '\n');
    }
    else process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }
}
