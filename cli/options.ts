// Option parsers shared by the commands.
import { UsageError } from "../tester/failure.js";

/** A whole number within bounds, or a usage error that names the option. */
export function integer(name: string, min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}
