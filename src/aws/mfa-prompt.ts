/**
 * Ask for an MFA code on the controlling terminal. The prompt goes to stderr
 * (stdout carries only the credential) and the answer is read from /dev/tty,
 * not stdin, which kubectl may hold.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { EksTokenError } from "../cli/errors.js";

export async function promptMfaCode(serial: string, writeStderr: (text: string) => void, ttyPath = "/dev/tty"): Promise<string> {
  let input;
  try {
    input = createReadStream(ttyPath);
    await new Promise<void>((resolve, reject) => {
      input!.once("open", () => resolve());
      input!.once("error", reject);
    });
  } catch (error) {
    throw new EksTokenError("mfa-unavailable", `could not get an MFA code for ${serial}: no terminal to ask on (${(error as Error).message})`, {
      hint: "run eks-token in a terminal, or set interactiveMode: IfAvailable in the kubeconfig user's exec section",
    });
  }
  const rl = createInterface({ input, terminal: false });
  try {
    writeStderr(`Enter MFA code for ${serial}: `);
    const line: string = await new Promise((resolve, reject) => {
      rl.once("line", resolve);
      rl.once("close", () => reject(new Error("the terminal closed")));
    });
    const code = line.trim();
    if (!/^\d{6}$/.test(code)) {
      throw new EksTokenError("invalid-input", "invalid MFA code: expected 6 digits", { hint: "run the command again and type the current code" });
    }
    return code;
  } finally {
    rl.close();
    input.destroy();
  }
}
