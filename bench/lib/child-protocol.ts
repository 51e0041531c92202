/** A child prints its result as one line starting with this, so stray output from libraries is harmless. */
export const RESULT_PREFIX = '@@lambdavision-bench-result ';
/** A failing child prints its error's first line after this, on stderr. */
export const ERROR_PREFIX = '@@lambdavision-bench-error ';
