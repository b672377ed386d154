import { readFile } from "node:fs/promises";

/** Reads a file named by an option, with an error that names the option and the path. */
export async function readOptionFile(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`--${flag} ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`, { cause: error });
  }
}

/** Reads and parses a JSON file named by an option. */
export async function readJsonOption(path: string, flag: string): Promise<unknown> {
  const text = (await readOptionFile(path, flag)).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`--${flag} ${path}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
}
