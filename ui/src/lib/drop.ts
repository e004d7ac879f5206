// What to do with files dropped on the window: recordings go to the transcript panel, everything else
// (article files, folders of them) to the import dialog. Dropped paths may be read by the commands: the
// shell records a drop like a choice in a dialog.

/** Audio and video the transcription decodes. */
export const AUDIO_EXTENSIONS = ['wav', 'mp3', 'm4a', 'aac', 'flac', 'ogg', 'oga', 'opus', 'mp4', 'mov', 'mkv', 'webm'];

function extension(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

export function isRecording(path: string): boolean {
  return AUDIO_EXTENSIONS.includes(extension(path));
}

/** The dropped paths split into recordings and the rest (articles, folders), each in the order dropped. */
export function splitDropped(paths: string[]): { recordings: string[]; imports: string[] } {
  return {
    recordings: paths.filter(isRecording),
    imports: paths.filter((p) => !isRecording(p)),
  };
}
