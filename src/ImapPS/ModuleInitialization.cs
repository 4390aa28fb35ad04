using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

// This file must not mention a type from MimeKit, BouncyCastle or any other assembly in
// dependencies/ outside DependencySelfTest: PowerShell runs OnImport before anything can resolve
// those assemblies, and the JIT resolves every type a method mentions before the method runs.

namespace ImapPS
{
    /// <summary>
    /// Loads the module's third-party dependencies (MimeKit, BouncyCastle and the packages they
    /// need) from the <c>dependencies</c> folder beside ImapPS.dll, apart from the copies other
    /// modules bring, so ImapPS can share a session with modules that ship other versions of them.
    /// </summary>
    /// <remarks>
    /// <para>
    /// ImapPS.dll and ImapPS.Client.dll are loaded by PowerShell into the default load context.
    /// Their references to MimeKit and friends cannot be found there, because the assemblies sit in
    /// <c>dependencies/</c>, off the probing path, so the runtime raises
    /// <see cref="AppDomain.AssemblyResolve"/>. The handler installed by <see cref="OnImport"/>
    /// answers requests that come from ImapPS, from ImapPS.Client or from an assembly it loaded
    /// itself. On PowerShell 7 (.NET) it loads the file into an AssemblyLoadContext of its own,
    /// named <see cref="LoadContextName"/>; on Windows PowerShell 5.1 (.NET Framework, which has no
    /// load contexts) it uses <see cref="Assembly.LoadFrom(string)"/>, which also stands in for the
    /// binding redirects .NET Framework needs for System.Memory and its relatives.
    /// </para>
    /// <para>
    /// A default-context assembly with the same name and a version at least as high as the one
    /// requested satisfies the request before the handler is asked; docs/loading.md explains the
    /// consequences.
    /// </para>
    /// </remarks>
    public sealed class ModuleInitialization : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        /// <summary>The name of the AssemblyLoadContext that holds the dependencies on PowerShell 7.</summary>
        public const string LoadContextName = "ImapPS.Dependencies";

        /// <summary>The folder, beside ImapPS.dll, that holds the third-party assemblies.</summary>
        public const string DependencyFolderName = "dependencies";

        private const int ResolutionLogCapacity = 256;

        private static readonly object Gate = new object();
        private static readonly Assembly ModuleAssembly = typeof(ModuleInitialization).Assembly;
        private static readonly string ModuleDirectory = Path.GetDirectoryName(ModuleAssembly.Location) ?? string.Empty;
        private static readonly Dictionary<string, Assembly> Loaded = new Dictionary<string, Assembly>(StringComparer.OrdinalIgnoreCase);
        private static readonly Queue<string> ResolutionLog = new Queue<string>();

        private static int _attachCount;
        private static IsolatedContext? _context;

        /// <summary>The full path of the folder the dependencies are loaded from.</summary>
        public static string DependencyDirectory { get; } = Path.Combine(ModuleDirectory, DependencyFolderName);

        /// <summary>True while the resolve handler is installed (between import and the last removal).</summary>
        public static bool IsResolverAttached
        {
            get { lock (Gate) { return _attachCount > 0; } }
        }

        /// <summary>
        /// True when dependencies load into an AssemblyLoadContext of their own (PowerShell 7);
        /// false on .NET Framework (Windows PowerShell 5.1).
        /// </summary>
        public static bool UsesIsolatedLoadContext => IsolatedContext.IsSupported;

        /// <summary>Installs the resolve handler. PowerShell calls it when it imports the module.</summary>
        public void OnImport()
        {
            Attach();
            EnsureTypeData();
            ModuleWarmUp.Start();
        }

        /// <summary>
        /// Adds the output types' hidden members (<see cref="ImapTypeData"/>) to the importing
        /// runspace unless it has them already. The hidden Session property of the output objects is
        /// what binds -Session down a pipeline, so it must be there however the module was imported:
        /// by its manifest, by its DLL (Import-Module (Get-Module ImapPS).Path in a new runspace), or
        /// a second copy from another path. The manifest does not list a type file (TypesToProcess):
        /// a second copy's file would then collide with the first's ("member already present").
        /// </summary>
        /// <remarks>
        /// The type data goes straight into the runspace's type table where PowerShell lets it be
        /// reached (<see cref="TryAddToTypeTable"/>). Update-TypeData in a nested pipeline, which
        /// this did before, made PowerShell auto-load Microsoft.PowerShell.Utility and JIT-compile
        /// about 590 methods at every import (docs/performance.md); it remains the fallback.
        /// </remarks>
        private static void EnsureTypeData()
        {
            Runspace? runspace = Runspace.DefaultRunspace;
            if (runspace == null) return;
            try
            {
                if (HasTypeData()) return;   // an earlier import, or another copy of the module, added it
                TypeData[] types = ImapTypeData.Create();
                if (!TryAddToTypeTable(runspace, types)) AddWithUpdateTypeData(types);
            }
            catch (Exception)
            {
                // Without it the objects still work; piped ones bind -Session through SessionName.
            }
        }

        /// <summary>Whether the current runspace's type table gives ImapMessage its hidden members.</summary>
        internal static bool HasTypeData()
        {
            // A property bag with the type's name: PowerShell resolves type data by type name.
            var probe = new PSObject();
            probe.TypeNames.Insert(0, ImapTypeData.ProbeTypeName);
            return probe.Properties[ImapTypeData.ProbeMemberName] != null;
        }

        /// <summary>
        /// Adds the type data to the runspace's type table with the public TypeTable.AddType, and to
        /// its InitialSessionState as Update-TypeData does. The table itself is reached through
        /// PowerShell's internal ExecutionContext (LocalRunspace.ExecutionContext.TypeTable, the same in
        /// PowerShell 7 and Windows PowerShell 5.1); false, having changed nothing, when it is not there.
        /// </summary>
        internal static bool TryAddToTypeTable(Runspace runspace, TypeData[] types)
        {
            const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic;
            TypeTable? table;
            try
            {
                object? context = runspace.GetType().GetProperty("ExecutionContext", Internal)?.GetValue(runspace);
                table = context?.GetType().GetProperty("TypeTable", Internal)?.GetValue(context) as TypeTable;
            }
            catch (Exception)
            {
                return false;
            }
            if (table == null) return false;
            foreach (TypeData type in types)
            {
                try
                {
                    table.AddType(type);
                }
                catch (RuntimeException)
                {
                    continue;   // a member already there (another copy's): the first wins, as with Update-TypeData
                }
                runspace.InitialSessionState?.Types.Add(new SessionStateTypeEntry(type, false));
            }
            return true;
        }

        /// <summary>The fallback: Update-TypeData -TypeData in a nested pipeline of the current runspace.</summary>
        internal static void AddWithUpdateTypeData(TypeData[] types)
        {
            using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
            ps.AddCommand("Microsoft.PowerShell.Utility\\Update-TypeData").AddParameter("TypeData", types);
            ps.Invoke();
        }

        /// <summary>Removes the resolve handler once the last import of the module is removed.</summary>
        /// <param name="psModuleInfo">The module being removed.</param>
        public void OnRemove(PSModuleInfo psModuleInfo) => Detach();

        /// <summary>
        /// The handler's most recent decisions, oldest first: which assembly was asked for, by whom,
        /// and what was loaded or why the request was declined. For debugging load problems.
        /// </summary>
        public static string[] GetResolutionLog()
        {
            lock (Gate) { return ResolutionLog.ToArray(); }
        }

        /// <summary>
        /// Exercises the dependencies: parses a message with MimeKit and creates a MimeKit S/MIME
        /// context, which makes MimeKit load BouncyCastle. Returns the assemblies that did the work.
        /// </summary>
        /// <remarks>A diagnostic for tests and for debugging an installation, not part of the cmdlet surface.</remarks>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public static DependencyCheck TestDependencies() => DependencySelfTest.Run();

        internal static void Attach()
        {
            lock (Gate)
            {
                if (_attachCount++ == 0)
                {
                    AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
                }
            }
        }

        internal static void Detach()
        {
            lock (Gate)
            {
                if (_attachCount == 0) return;
                if (--_attachCount == 0)
                {
                    AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
                }
            }
        }

        private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
        {
            AssemblyName requested;
            try
            {
                requested = new AssemblyName(args.Name);
            }
            catch (Exception)
            {
                return null;   // not a name this handler could own
            }
            string? simpleName = requested.Name;
            if (string.IsNullOrEmpty(simpleName) || simpleName!.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) return null;

            string path = Path.Combine(DependencyDirectory, simpleName + ".dll");
            Assembly? requester = args.RequestingAssembly;
            lock (Gate)
            {
                // Each handler sees every failed load in the process, most of them another module's.
                if (requester is not null && !IsOurs(requester)) return null;
                if (!File.Exists(path)) return null;

                if (requester is null && !Satisfies(path, requested, out string? why))
                {
                    Log(args.Name, requester, "declined: " + why);
                    return null;
                }

                if (Loaded.TryGetValue(simpleName, out Assembly? already))
                {
                    return already;
                }

                try
                {
                    Assembly assembly = IsolatedContext.IsSupported
                        ? (_context ??= new IsolatedContext(LoadContextName)).LoadFromAssemblyPath(path)
                        : Assembly.LoadFrom(path);
                    Loaded[simpleName] = assembly;
                    Log(args.Name, requester, "loaded " + assembly.FullName + " from " + path);
                    return assembly;
                }
                catch (Exception e)
                {
                    // Throwing from AssemblyResolve would hide the runtime's own, clearer error.
                    Log(args.Name, requester, "failed: " + e.GetType().Name + ": " + e.Message);
                    return null;
                }
            }
        }

        /// <summary>Whether a requesting assembly is ImapPS, ImapPS.Client or one of the dependencies.</summary>
        private static bool IsOurs(Assembly requester)
        {
            if (ReferenceEquals(requester, ModuleAssembly)) return true;
            foreach (Assembly dependency in Loaded.Values)
            {
                if (ReferenceEquals(requester, dependency)) return true;
            }
            if (_context is not null && _context.Contains(requester)) return true;

            // ImapPS.Client sits beside ImapPS.dll; another module's copy of it is not ours.
            if (requester.IsDynamic) return false;
            string location;
            try
            {
                location = requester.Location;
            }
            catch (NotSupportedException)
            {
                return false;
            }
            if (string.IsNullOrEmpty(location)) return false;
            string directory = Path.GetDirectoryName(location) ?? string.Empty;
            return PathsEqual(directory, ModuleDirectory) || PathsEqual(directory, DependencyDirectory);
        }

        /// <summary>
        /// For a request without a requesting assembly our file must be exactly what was asked for:
        /// the same public key token, and a version at least as high. Such requests are common:
        /// when a lower version already sits in the default context, .NET asks again without naming
        /// the requester; and another module's request for its own unsigned copy must be declined.
        /// </summary>
        private static bool Satisfies(string path, AssemblyName requested, out string? why)
        {
            AssemblyName candidate;
            try
            {
                candidate = AssemblyName.GetAssemblyName(path);
            }
            catch (Exception e)
            {
                why = "cannot read " + path + ": " + e.Message;
                return false;
            }
            byte[]? candidateToken = candidate.GetPublicKeyToken();
            if (candidateToken is null || candidateToken.Length == 0 || !TokensEqual(candidateToken, requested.GetPublicKeyToken()))
            {
                why = "public key token differs from " + candidate.FullName;
                return false;
            }
            if (requested.Version is not null && candidate.Version is not null && candidate.Version < requested.Version)
            {
                why = "version " + candidate.Version + " in " + DependencyFolderName + " is lower";
                return false;
            }
            why = null;
            return true;
        }

        private static bool TokensEqual(byte[] a, byte[]? b)
        {
            if (b is null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i]) return false;
            }
            return true;
        }

        private static bool PathsEqual(string a, string b)
        {
            // Windows paths compare without case; elsewhere case matters.
            StringComparison comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return string.Equals(a.TrimEnd(Path.DirectorySeparatorChar), b.TrimEnd(Path.DirectorySeparatorChar), comparison);
        }

        private static void Log(string requested, Assembly? requester, string outcome)
        {
            var line = new StringBuilder();
            line.Append(requested).Append(" <- ").Append(requester?.GetName().Name ?? "(no requesting assembly)").Append(": ").Append(outcome);
            if (ResolutionLog.Count == ResolutionLogCapacity) ResolutionLog.Dequeue();
            ResolutionLog.Enqueue(line.ToString());
        }

        /// <summary>
        /// A System.Runtime.Loader.AssemblyLoadContext reached through reflection: the module
        /// targets netstandard2.0, which does not declare the type, while PowerShell 7's runtime has it.
        /// </summary>
        private sealed class IsolatedContext
        {
            private static readonly Type? ContextType = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext", throwOnError: false);
            private static readonly MethodInfo? GetLoadContextMethod = ContextType?.GetMethod("GetLoadContext", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(Assembly) }, null);

            private readonly object _instance;
            private readonly Func<string, Assembly> _loadFromAssemblyPath;

            public static bool IsSupported => ContextType is not null && GetLoadContextMethod is not null;

            public IsolatedContext(string name)
            {
                ConstructorInfo constructor = ContextType!.GetConstructor(new[] { typeof(string), typeof(bool) })
                    ?? throw new MissingMethodException(ContextType.FullName, ".ctor(string, bool)");
                // Not collectible: ImapPS.dll, which stays loaded, binds to these assemblies for good.
                _instance = constructor.Invoke(new object[] { name, false });
                MethodInfo load = ContextType.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) })
                    ?? throw new MissingMethodException(ContextType.FullName, "LoadFromAssemblyPath");
                _loadFromAssemblyPath = (Func<string, Assembly>)Delegate.CreateDelegate(typeof(Func<string, Assembly>), _instance, load);
            }

            public Assembly LoadFromAssemblyPath(string path) => _loadFromAssemblyPath(path);

            public bool Contains(Assembly assembly) => ReferenceEquals(GetLoadContextMethod!.Invoke(null, new object[] { assembly }), _instance);
        }
    }

    /// <summary>What <see cref="ModuleInitialization.TestDependencies"/> found.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class DependencyCheck
    {
        internal DependencyCheck(string subject, Assembly mimeKit, Assembly? bouncyCastle)
        {
            Subject = subject;
            MimeKit = mimeKit;
            BouncyCastle = bouncyCastle;
        }

        /// <summary>The subject MimeKit decoded from the test message (an RFC 2047 encoded word).</summary>
        public string Subject { get; }

        /// <summary>The MimeKit assembly ImapPS is bound to.</summary>
        public Assembly MimeKit { get; }

        /// <summary>The BouncyCastle assembly MimeKit is bound to, or null when MimeKit did not load it.</summary>
        public Assembly? BouncyCastle { get; }
    }

    /// <summary>The only code in this file that may name dependency types; each method is JIT-compiled on its own.</summary>
    internal static class DependencySelfTest
    {
        internal const string SampleSubject = "Grüße aus ImapPS";

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static DependencyCheck Run()
        {
            string subject = ParseSampleMessage();
            Assembly mimeKit = MimeKitAssembly();
            Assembly? bouncyCastle = CreateSecureMimeContext();
            return new DependencyCheck(subject, mimeKit, bouncyCastle);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string ParseSampleMessage()
        {
            byte[] raw = Encoding.ASCII.GetBytes(
                "From: Alice <alice@example.org>\r\n" +
                "To: Bob <bob@example.org>\r\n" +
                "Subject: =?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(SampleSubject)) + "?=\r\n" +
                "Message-Id: <selftest@imapps>\r\n" +
                "MIME-Version: 1.0\r\n" +
                "Content-Type: text/plain; charset=utf-8\r\n" +
                "\r\n" +
                "Loaded from ImapPS's own dependencies.\r\n");
            using var stream = new MemoryStream(raw, writable: false);
            MimeKit.MimeMessage message = MimeKit.MimeMessage.Load(stream);
            return message.Subject ?? "";
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Assembly MimeKitAssembly() => typeof(MimeKit.MimeMessage).Assembly;

        /// <summary>MimeKit's S/MIME context builds on BouncyCastle, so MimeKit (not ImapPS) asks for it.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Assembly? CreateSecureMimeContext()
        {
            using var context = new MimeKit.Cryptography.TemporarySecureMimeContext();
            // The BouncyCastle a MimeKit signature names is the one MimeKit is bound to.
            foreach (ConstructorInfo constructor in context.GetType().GetConstructors())
            {
                foreach (ParameterInfo parameter in constructor.GetParameters())
                {
                    if (parameter.ParameterType.Assembly.GetName().Name == "BouncyCastle.Cryptography") return parameter.ParameterType.Assembly;
                }
            }
            return null;
        }
    }
}
