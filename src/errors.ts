// Few error classes and one exit-code table (docs/contracts.md, section 3); the CLI boundary maps them.
import { type ConfigIssue, formatIssue, issueText } from './config/issues.ts';

export const EXIT = { deployed: 0, failed: 1, usage: 2, locked: 3, rollbackFailed: 4, internal: 70 } as const;

export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message: string) {
    super(message);
    this.name = 'ExitError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends ExitError {
  constructor(message: string) {
    super(EXIT.usage, message);
    this.name = 'UsageError';
  }
}

export class ConfigError extends ExitError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super(EXIT.usage, describe(file, issues));
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }
}

function describe(file: string, issues: ConfigIssue[]): string {
  const fileLevel = issues.filter((i) => i.path === '(file)');
  if (fileLevel.length > 0) return fileLevel.map((i) => `${file}: ${issueText(i)}`).join('\n');
  const head = issues.length === 1 ? 'invalid config' : `${issues.length} config errors`;
  return `${file}: ${head}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`;
}
