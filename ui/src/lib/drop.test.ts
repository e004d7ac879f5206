import { describe, expect, it } from 'vitest';
import { isRecording, splitDropped } from './drop';

describe('dropped files', () => {
  it('sends recordings to transcription and the rest to the import', () => {
    const dropped = [
      '/home/ann/interviews/Mayor.M4A',
      '/home/ann/stories/flood.md',
      '/home/ann/feeds',
      'C:\\Users\\li\\采访\\市长.wav',
      '/home/ann/archive.tar.gz',
      '/home/ann/.mp3',
    ];
    expect(splitDropped(dropped)).toEqual({
      recordings: ['/home/ann/interviews/Mayor.M4A', 'C:\\Users\\li\\采访\\市长.wav'],
      imports: ['/home/ann/stories/flood.md', '/home/ann/feeds', '/home/ann/archive.tar.gz', '/home/ann/.mp3'],
    });
  });

  it('reads the extension of the file name, not of a folder on the way', () => {
    expect(isRecording('/home/ann/recordings.wav/notes.md')).toBe(false);
    expect(isRecording('/home/ann/hearing.webm')).toBe(true);
  });
});
