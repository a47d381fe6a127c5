internal import Foundation

/// Typed, path-aware access to a parsed JSON object, for the slow decoding paths.
/// Every failure names the field as a dotted path (`media.payload`).
struct JSONObjectReader {
    private let object: [String: Any]
    private let path: String

    /// Parses `json`; the top level must be an object.
    init(parsing json: some Collection<UInt8>) throws(TwilioProtocolError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed])
        } catch {
            throw .notJSON
        }
        guard let object = parsed as? [String: Any] else { throw .notAnObject }
        self.init(object, path: "")
    }

    private init(_ object: [String: Any], path: String) {
        self.object = object
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func contains(_ key: String) -> Bool { object[key] != nil }

    func string(_ key: String) throws(TwilioProtocolError) -> String {
        guard let value = try optionalString(key) else { throw .missingField(name(key)) }
        return value
    }

    func optionalString(_ key: String) throws(TwilioProtocolError) -> String? {
        guard let value = object[key] else { return nil }
        guard let string = value as? String else { throw .invalidField(name(key)) }
        return string
    }

    /// An integer sent as a decimal string (Twilio's way) or, leniently, as a JSON number.
    func integer(_ key: String) throws(TwilioProtocolError) -> Int {
        guard let value = object[key] else { throw .missingField(name(key)) }
        if let string = value as? String, let number = Int(string) { return number }
        // JSON booleans come back as NSNumber too; objCType "c" tells them apart.
        if let number = value as? NSNumber, String(cString: number.objCType) != "c", let integer = value as? Int {
            return integer
        }
        throw .invalidField(name(key))
    }

    func object(_ key: String) throws(TwilioProtocolError) -> JSONObjectReader {
        guard let reader = try optionalObject(key) else { throw .missingField(name(key)) }
        return reader
    }

    func optionalObject(_ key: String) throws(TwilioProtocolError) -> JSONObjectReader? {
        guard let value = object[key] else { return nil }
        guard let nested = value as? [String: Any] else { throw .invalidField(name(key)) }
        return JSONObjectReader(nested, path: name(key))
    }

    func optionalStringArray(_ key: String) throws(TwilioProtocolError) -> [String]? {
        guard let value = object[key] else { return nil }
        guard let strings = value as? [Any] else { throw .invalidField(name(key)) }
        var result: [String] = []
        result.reserveCapacity(strings.count)
        for element in strings {
            guard let string = element as? String else { throw .invalidField(name(key)) }
            result.append(string)
        }
        return result
    }

    func optionalStringDictionary(_ key: String) throws(TwilioProtocolError) -> [String: String]? {
        guard let nested = try optionalObject(key) else { return nil }
        var result: [String: String] = [:]
        for entryKey in nested.object.keys {
            result[entryKey] = try nested.string(entryKey)
        }
        return result
    }
}
