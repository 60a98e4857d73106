/** The completion command's entry (src/cli/completion-command.ts): tools bundle only. */
import { EXIT_OK, EXIT_USAGE, HELP, type CommandHelp, type CommandSpec } from "../flags.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;

export const COMPLETION = {
  name: "completion",
  positionals: [{ name: "SHELL", description: "the shell the script is for", choices: SHELLS }],
  flags: [HELP],
} as const satisfies CommandSpec;

export const COMPLETION_HELP = {
  summary: "print a shell completion script: bash, zsh or fish",
  usage: ["completion bash|zsh|fish"],
  description: `Prints a script that completes eks-token's commands, subcommands and flags in the shell, and their values where they are known offline: --output's formats, the profiles of the AWS config files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE), the contexts and EKS clusters of the kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config), files and directories.

The script asks eks-token itself what may come next, so it never goes stale: a newer eks-token completes its new commands and flags with the script already installed. It needs bash 4 or later, zsh with compinit, or fish 3.`,
  examples: [
    { command: "source <(eks-token completion bash)", says: "in ~/.bashrc" },
    { command: "source <(eks-token completion zsh)", says: "in ~/.zshrc, after compinit" },
    { command: "eks-token completion fish > ~/.config/fish/completions/eks-token.fish" },
  ],
  exits: [EXIT_OK, EXIT_USAGE],
} as const satisfies CommandHelp;
