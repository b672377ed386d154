#!/usr/bin/env node
import { runCli } from "./cli";
import { runAsProcess } from "./command";

runAsProcess("rajee", runCli, 1);
