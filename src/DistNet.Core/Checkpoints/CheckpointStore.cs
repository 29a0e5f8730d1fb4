using System.Globalization;
using System.Text.RegularExpressions;
using DistNet.Core.IO;

namespace DistNet.Core.Checkpoints;

/// <summary>
/// A directory of checkpoint files <c>checkpoint-{Version:D10}.dnck</c> (format in
/// docs/checkpoints.md). Each file is written atomically and carries a SHA-256 of its payload,
/// so a crash mid-write leaves at worst a stray temporary file and a damaged file is detected;
/// loading falls back to the newest checkpoint that verifies.
/// </summary>
/// <remarks>
/// The directory holds one timeline whose head is the last checkpoint written: after writing
/// version V the store deletes files numbered above V (left by a run that was resumed from an
/// earlier checkpoint, so they describe steps that will be redone) and all but the
/// <see cref="Keep"/> newest at or below V. One writer per directory.
/// </remarks>
public sealed partial class CheckpointStore
{
    public const string Extension = ".dnck";

    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = CheckpointFormat.Version;

    public CheckpointStore(string directory, int keep = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (keep < 1) throw new ArgumentOutOfRangeException(nameof(keep), keep, "keep at least one checkpoint");
        Directory = directory;
        Keep = keep;
    }

    public string Directory { get; }

    /// <summary>How many checkpoints <see cref="Write"/> leaves in the directory (older ones go); more than one so a damaged newest file has a fallback.</summary>
    public int Keep { get; }

    /// <summary>The file name for a checkpoint of the given version.</summary>
    public static string FileName(long version) =>
        version < 0 ? throw new ArgumentOutOfRangeException(nameof(version)) : $"checkpoint-{version.ToString("D10", CultureInfo.InvariantCulture)}{Extension}";

    /// <summary>Writes the checkpoint atomically, prunes old files, and returns the file's path.</summary>
    public string Write(Checkpoint checkpoint)
    {
        CheckpointFormat.Validate(checkpoint); // before touching the disk
        string path = Path.Combine(Directory, FileName(checkpoint.Version));
        AtomicFile.Write(path, stream => CheckpointFormat.Write(stream, checkpoint));
        Prune(checkpoint.Version);
        return path;
    }

    /// <summary>
    /// The newest checkpoint that verifies, with the files skipped on the way (newer but damaged)
    /// and why. <see cref="LoadResult.Checkpoint"/> is null if none is good, and
    /// <see cref="LoadResult.Problem"/> then says why (no directory, no files, all damaged).
    /// </summary>
    public LoadResult LoadLatestGood()
    {
        if (!System.IO.Directory.Exists(Directory))
            return new LoadResult(null, null, [], $"checkpoint directory {Directory} does not exist");
        var files = ListFiles();
        if (files.Count == 0)
            return new LoadResult(null, null, [], $"no checkpoints (checkpoint-*{Extension}) in {Directory}");
        var skipped = new List<SkippedCheckpoint>();
        foreach (var (path, version) in files)
        {
            try
            {
                var checkpoint = Read(path);
                if (checkpoint.Version != version)
                {
                    skipped.Add(new SkippedCheckpoint(path, $"holds version {checkpoint.Version}, but its name says {version}"));
                    continue;
                }
                return new LoadResult(checkpoint, path, skipped, null);
            }
            catch (CheckpointException e)
            {
                skipped.Add(new SkippedCheckpoint(path, e.Reason));
            }
        }
        return new LoadResult(null, null, skipped, $"none of the {files.Count} checkpoints in {Directory} is usable");
    }

    /// <summary>Reads and verifies one checkpoint file; any problem is a <see cref="CheckpointException"/> naming the file.</summary>
    public static Checkpoint Read(string path) => CheckpointFormat.Read(path);

    /// <summary>The checkpoint files in the directory with the versions their names give, newest first.</summary>
    public IReadOnlyList<(string Path, long Version)> ListFiles()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var files = new List<(string Path, long Version)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "checkpoint-*" + Extension))
        {
            var match = FilePattern().Match(Path.GetFileName(path));
            if (match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long version))
                files.Add((path, version));
        }
        files.Sort((a, b) => b.Version.CompareTo(a.Version));
        return files;
    }

    private void Prune(long written)
    {
        int kept = 0;
        foreach (var (path, version) in ListFiles())
        {
            bool stale = version > written;          // from a timeline abandoned by a resume
            bool old = version <= written && ++kept > Keep;
            if (!stale && !old) continue;
            try { File.Delete(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // left for the next write to retry
        }
    }

    [GeneratedRegex(@"^checkpoint-(\d{10,19})\.dnck$", RegexOptions.CultureInvariant)]
    private static partial Regex FilePattern();
}

/// <summary>A checkpoint file passed over while loading, and why (one line).</summary>
public sealed record SkippedCheckpoint(string Path, string Reason);

/// <summary>
/// The outcome of <see cref="CheckpointStore.LoadLatestGood"/>: the checkpoint and its file, or
/// null and the <see cref="Problem"/>; either way the newer files that were skipped.
/// </summary>
public sealed record LoadResult(Checkpoint? Checkpoint, string? Path, IReadOnlyList<SkippedCheckpoint> Skipped, string? Problem);
