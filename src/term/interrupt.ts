// Long-running commands (the local proxies) wait here until the user stops them.

/** Resolves on Ctrl-C (SIGINT) or a polite kill (SIGTERM); both listeners are then removed. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
