/** The env file format (writer, loader, shell reader) lives with the host kinds that read it back. */
export { ENV_VALUE_SH, LOAD_ENV_JS, renderEnvFile } from "../../host/envfile";
