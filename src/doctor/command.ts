/**
 * eks-token doctor: check every link from a kubeconfig context to RBAC and
 * name the first broken one.
 *
 * The pipeline: flags (the questions, the ConfigMap: a bad one fails before
 * anything is asked) → the walk (diagnose.ts) → the report on stdout → the
 * exit status of the first failing stage (links.ts), with one stderr line.
 */
import { usage } from "../cli/args.js";
import { command } from "../cli/flags.js";
import { DOCTOR } from "../cli/table/doctor.js";
import { readAwsAuthFile } from "../mapping/command.js";
import { hostPort } from "../serve/flag-values.js";
import { diagnose, type DoctorInput } from "./diagnose.js";
import { exitStatusOf, firstFailure } from "./links.js";
import { parseCanI, type CanI } from "./rbac.js";
import { renderJson, renderText } from "./render.js";

export const doctorCommand = command(DOCTOR, async ({ values }, deps, logger) => {
  const questions: CanI[] = (values["can-i"] ?? []).map((text) => {
    const question = parseCanI(text);
    if (typeof question === "string") throw usage(question, DOCTOR.name);
    return question;
  });
  if (values["aws-auth-file"] !== undefined && values["aws-auth-context"] !== undefined) throw usage("give --aws-auth-file or --aws-auth-context, not both", DOCTOR.name);
  if (values["sts-endpoint"] !== undefined) hostPort(values["sts-endpoint"], "sts-endpoint", DOCTOR.name);
  const awsAuth: DoctorInput["awsAuth"] = values["aws-auth-file"] !== undefined ? await readAwsAuthFile(values["aws-auth-file"], deps, logger) : undefined;
  const report = await diagnose(
    {
      ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
      ...(values.context !== undefined ? { context: values.context } : {}),
      ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
      canI: questions,
      ...(awsAuth ? { awsAuth } : {}),
      ...(values["aws-auth-context"] !== undefined ? { awsAuthContext: values["aws-auth-context"] } : {}),
      ...(values["sts-endpoint"] !== undefined ? { stsEndpoint: values["sts-endpoint"] } : {}),
    },
    deps,
    logger,
  );
  deps.stdout(values.output === "json" ? renderJson(report) : renderText(report));
  const status = exitStatusOf(report.links);
  const broken = firstFailure(report.links);
  if (broken) logger.note(`the chain breaks at ${broken.name} (exit ${status}): ${broken.summary}${broken.fix ? ` — ${broken.fix}` : ""}`);
  return status;
});
