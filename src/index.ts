// The package entry for Node: the core with the host simulator's ports as defaults.

import { usePlatform } from "./ports";
import { hostPlatform } from "./ports/host";

usePlatform(hostPlatform);

export { MoteDB } from "./motedb";
export type { Stats } from "./motedb";
export type { MoteOptions } from "./options";
export type { Clock, Flash, Memory, Platform, Scheduler } from "./ports";
export { usePlatform } from "./ports";
export { errorCode } from "./errors";
export { boardIds, DEFAULT_BOARD, hostClock, hostMemory, hostScheduler, loadBoard } from "./ports/host";
export type { Board } from "./ports/host";
export { SimFlash, E_POWER, E_FAULT } from "./ports/simflash";
export type { FlashOp } from "./ports/simflash";
export { FileFlash } from "./ports/fileflash";
export type { FileFlashOptions } from "./ports/fileflash";
export { inspectImage } from "./image";
export type { Image, ImagePage, ImageFrame, ImageRecord } from "./image";
export type { FlashStats } from "./store";
