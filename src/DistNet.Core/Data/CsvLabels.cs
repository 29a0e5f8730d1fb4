using System.Globalization;

namespace DistNet.Core.Data;

/// <summary>
/// Decides what a CSV label column means. Whole numbers are class ids (0/1, 1..5 stars) and any
/// text makes the column class names; only real numbers with fractions make it a regression
/// target, since nobody writes class ids as 2.5.
/// </summary>
internal static class CsvLabels
{
    /// <param name="locate">sample → "file, line N, column 'y'", for error messages.</param>
    public static Dataset Build(string name, int featureCount, float[] features, IReadOnlyList<string> labels,
        Func<int, string> locate)
    {
        var numbers = new double?[labels.Count];
        bool allNumeric = true, allIntegers = true;
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i].Length == 0)
                throw new DataException($"{locate(i)}: label is empty, expected a number or a class name");
            if (!TryParse(labels[i], out double value)) { allNumeric = false; continue; }
            // Checked here, not left to DataValidation: as a class name "NaN" would slip through.
            if (!double.IsFinite(value))
                throw new DataException($"{locate(i)}: label is '{labels[i]}', expected a finite number or a class name");
            numbers[i] = value;
            if (value != Math.Floor(value)) allIntegers = false;
        }

        if (allNumeric && !allIntegers)
        {
            var targets = numbers.Select(v => (float)v!.Value).ToArray();
            return new Dataset(name, featureCount, features, targets, 1);
        }

        // A number's class name is its canonical form, so that "1" and "1.0" are one class.
        var keys = new string[labels.Count];
        for (int i = 0; i < keys.Length; i++)
            keys[i] = numbers[i] is { } v ? v.ToString(CultureInfo.InvariantCulture) : labels[i];
        var classes = keys.Distinct().Order(ClassOrder.Instance).ToArray();
        var index = classes.Select((c, k) => (c, k)).ToDictionary(p => p.c, p => p.k);
        return new Dataset(name, featureCount, features, keys.Select(k => index[k]).ToArray(), classes);
    }

    public static bool TryParse(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Numbers first, in numeric order (so "10" follows "9"), then names in ordinal order.</summary>
    private sealed class ClassOrder : IComparer<string>
    {
        public static readonly ClassOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            bool xNumber = TryParse(x!, out double a), yNumber = TryParse(y!, out double b);
            if (xNumber && yNumber) return a.CompareTo(b);
            if (xNumber != yNumber) return xNumber ? -1 : 1;
            return string.CompareOrdinal(x, y);
        }
    }
}
