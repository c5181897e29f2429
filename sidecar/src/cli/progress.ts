/** Progress on stderr for long commands: quiet for the first second, then a line at most every second. */
export function progressReporter(label: string, stream: NodeJS.WritableStream = process.stderr) {
  const started = Date.now();
  let last = 0;
  return (message: string): void => {
    const now = Date.now();
    if (now - started < 1000 || now - last < 1000) return;
    last = now;
    stream.write(
      `${JSON.stringify({ level: 'info', msg: label, progress: message, elapsedMs: now - started })}\n`,
    );
  };
}
