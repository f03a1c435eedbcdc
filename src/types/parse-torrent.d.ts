// The part of parse-torrent 11 Swarmcast uses (the package ships no types).
declare module 'parse-torrent' {
  export interface ParsedTorrentFile {
    /** Torrent name and the file's path, joined with the platform separator. */
    path: string;
    name: string;
    length: number;
    offset: number;
  }
  export interface ParsedTorrent {
    infoHash: string;
    name: string;
    length: number;
    pieceLength: number;
    files: ParsedTorrentFile[];
    urlList: string[];
    announce: string[];
  }
  export default function parseTorrent(torrent: Uint8Array | string): Promise<ParsedTorrent>;
}
