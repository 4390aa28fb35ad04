using System;
using System.Collections.Generic;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Reliability.Fuzzing
{
    /// <summary>
    /// One fuzz execution: feeds bytes to a <see cref="ResponseReader"/> in chunks, and walks every response it
    /// yields through <see cref="ServerResponse"/> and <see cref="ImapValue"/> the way decoders do (header, code,
    /// text, every value of the data, literals, numbers, the imaplib2 split). The only exceptions allowed out are
    /// <see cref="ImapException"/> and its subtypes (<see cref="ImapProtocolException"/> above all); anything else
    /// is a crash. Shared by the fuzzer (tests/ImapPS.Fuzz) and the regression tests, so a saved input is replayed
    /// exactly as it was found. Uses public API only.
    /// </summary>
    public static class FuzzHarness
    {
        /// <summary>Limits small enough that a mutated length cannot make one execution allocate much.</summary>
        public static ProtocolLimits Limits() => new ProtocolLimits
        {
            MaxLiteralSize = 1 << 20,
            MaxLineLength = 1 << 20,
            LargeLiteralThreshold = 4096,
        };

        /// <summary>What one execution saw.</summary>
        public struct Result
        {
            public int Responses;
            public int Values;
            public ImapException? TypedError;
        }

        /// <summary>
        /// Runs <paramref name="input"/> through the reader, fed in chunks whose sizes come from <paramref name="chunkSeed"/>
        /// (0: all at once). Throws whatever untyped exception the code under test throws.
        /// </summary>
        public static Result Execute(byte[] input, int chunkSeed = 0)
        {
            var result = new Result();
            var reader = new ResponseReader(Limits(), 256);
            var random = chunkSeed == 0 ? null : new Random(chunkSeed);
            try
            {
                int offset = 0;
                while (offset < input.Length)
                {
                    int n = random == null ? input.Length - offset : Math.Min(input.Length - offset, 1 + random.Next(random.Next(2) == 0 ? 16 : 4096));
                    reader.Append(input, offset, n);
                    offset += n;
                    while (reader.TryReadResponse(out var response))
                    {
                        result.Responses++;
                        result.Values += Walk(response!);
                    }
                }
            }
            catch (ImapException e)
            {
                result.TypedError = e;
            }
            return result;
        }

        /// <summary>Touches everything a consumer of the response can touch; returns the number of values visited.</summary>
        public static int Walk(ServerResponse r)
        {
            int budget = 20000;
            _ = r.Kind;
            _ = r.Tag;
            _ = r.Status;
            _ = r.Name;
            _ = r.HasNumber;
            _ = r.Number;
            _ = r.IsUnstructured;
            _ = r.TotalSize;
            _ = r.Text;
            _ = r.DataText;
            _ = r.ToString();
            if (r.HasCode)
            {
                _ = r.CodeName;
                WalkValue(r.Code, ref budget, 0);
                for (var v = r.CodeArgument; !v.IsNone && budget > 0; v = v.Next()) WalkValue(v, ref budget, 0);
            }
            foreach (var item in r.DataItems)
            {
                if (budget <= 0) break;
                WalkValue(item, ref budget, 0);
            }
            _ = r.SplitAtLiterals(r.DataOffset);
            return 20000 - budget;
        }

        private static void WalkValue(ImapValue v, ref int budget, int depth)
        {
            if (budget-- <= 0) return;
            var kind = v.Kind;
            _ = v.IsNil;
            _ = v.IsString;
            _ = v.IsAtomOrString;
            _ = v.ToString();
            _ = v.RawSegment;
            _ = v.IsAtom("UID");
            _ = v.TryGetUInt32(out _);
            _ = v.TryGetUInt64(out _);
            _ = v.TryGetInt64(out _);
            if (v.IsList)
            {
                int count = v.Count;
                if (count > 0) _ = v[count - 1];
                if (depth < 64)
                    foreach (var child in v)
                    {
                        if (budget <= 0) break;
                        WalkValue(child, ref budget, depth + 1);
                    }
                return;
            }
            if (kind == ImapValueKind.Literal)
            {
                _ = v.LiteralLength;
                _ = v.IsStreamed;
            }
            _ = v.AsString();
            _ = v.AsBytes();
        }

        /// <summary>A short, stable name for a crash: the exception type and the first frame in ImapPS code.</summary>
        public static string Signature(Exception e)
        {
            string frame = "?";
            foreach (var line in (e.StackTrace ?? "").Split('\n'))
            {
                var t = line.Trim();
                if (t.Contains("ImapPS.Client.") && !t.Contains("FuzzHarness"))
                {
                    int paren = t.IndexOf('(');
                    frame = (paren > 0 ? t.Substring(0, paren) : t).Replace("at ", "");
                    break;
                }
            }
            return e.GetType().Name + " @ " + frame;
        }
    }
}
