/**
 * Whether the long variants of the load and fault tests run (`npm run test:long` sets
 * RAJEE_LONG_TESTS=1): more iterations and more concurrency, same assertions.
 */
export const LONG_TESTS = process.env.RAJEE_LONG_TESTS === "1";
