// Typed errors raised by the feature-flag module, carrying enough context to fix the problem.
import { NotFoundError, ValidationError } from '../../platform/errors';

/** Base class for every feature-flag error, so callers can catch the whole family at once. */
export class FeatureFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A flags file could not be used: it is missing or unreadable, has an unsupported extension,
 * is not valid YAML/JSON, or defines invalid flags. `problems` lists every problem found
 * (each `flag_name.field: what is wrong`), so one run reports them all instead of one per fix.
 */
export class FlagsFileError extends FeatureFlagError {
  /** The file path, or the source label given to `parseFlagsDocument`. */
  readonly path: string;
  readonly problems: readonly string[];

  constructor(path: string, summary: string, problems: readonly string[] = []) {
    const details = problems.map((problem) => `\n  - ${problem}`).join('');
    super(`${summary}${details}`);
    this.path = path;
    this.problems = problems;
  }
}

/** No flag of this name is stored (GET /api/flags/:name, its history). Maps to 404. */
export class FlagNotFoundError extends NotFoundError {
  constructor(readonly flagName: string) {
    super('feature flag', flagName);
  }
}

/** A flag written through the API breaks FeatureFlagSchema; `problems` are `name.field: message` lines. Maps to 400. */
export class InvalidFlagError extends ValidationError {
  constructor(readonly flagName: string, readonly problems: readonly string[]) {
    super(`invalid feature flag "${flagName}": ${problems.join('; ')}`, { problems });
  }
}
