package io.turnout.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.SerializerFactory.ReflectionSerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The class table of {@link KryoSerializer}: which class travels under which id, read from
 * {@code turnout.serialization.kryo.registrations}, plus the few the serializer owns itself.
 *
 * <p>Id ranges: 0–9 Kryo's own (primitives, String), 10–19 this serializer's built-ins
 * (collections, actor refs, byte[]), then by module: protocol 20–99, persistence 100–199,
 * cluster-node 200–399, ops 400–499, tests 900–999. Configured ids must lie in 20–{@value #MAX_ID}.
 *
 * <p>Each registration also has a schema hash (id, class, serializer, record components with their
 * generic types, enum constants). Every message carries the combined hash of the registrations it
 * used; a reader whose table differs for any of them rejects the message. Adding a class elsewhere
 * in the table does not disturb messages that do not use it, which keeps rolling upgrades and
 * stored events readable.
 */
final class KryoRegistrations {
  static final String REGISTRATIONS_PATH = "turnout.serialization.kryo.registrations";
  static final int FIRST_CONFIGURED_ID = 20;
  static final int MAX_ID = 9_999;
  /** Version of the envelope and of the built-in serializers' layouts; part of every schema hash. */
  static final int FORMAT_VERSION = 1;

  static final int LIST_ID = 10;
  static final int SET_ID = 11;
  static final int MAP_ID = 12;
  static final int TYPED_ACTOR_REF_ID = 13;
  static final int CLASSIC_ACTOR_REF_ID = 14;
  static final int BYTE_ARRAY_ID = 15;

  private record Entry(Class<?> type, int id, Class<?> serializer, ConfigValue source) {}

  private final List<Entry> entries;
  private final int maxId;

  private KryoRegistrations(List<Entry> entries) {
    this.entries = List.copyOf(entries);
    this.maxId = entries.stream().mapToInt(Entry::id).max().orElse(BYTE_ARRAY_ID);
  }

  /** Reads and checks the registrations; a bad entry fails with its config origin (file and line). */
  static KryoRegistrations fromConfig(Config config, ClassLoader loader) {
    ConfigObject registrations = config.getObject(REGISTRATIONS_PATH);
    Map<Integer, Entry> byId = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> item : registrations.entrySet()) {
      String className = item.getKey();
      ConfigValue value = item.getValue();
      String path = REGISTRATIONS_PATH + ".\"" + className + "\"";
      int id;
      String serializerName = null;
      if (value.valueType() == ConfigValueType.NUMBER) {
        id = integer(value, path);
      } else if (value.valueType() == ConfigValueType.OBJECT && ((ConfigObject) value).containsKey("id")) {
        ConfigObject object = (ConfigObject) value;
        id = integer(object.get("id"), path + ".id");
        ConfigValue serializer = object.get("serializer");
        if (serializer != null) serializerName = String.valueOf(serializer.unwrapped());
      } else {
        throw new ConfigException.BadValue(value.origin(), path,
            "expected a class id or { id = …, serializer = … } (is the class name quoted?)");
      }
      if (id < FIRST_CONFIGURED_ID || id > MAX_ID) {
        throw new ConfigException.BadValue(value.origin(), path,
            "id " + id + " is outside " + FIRST_CONFIGURED_ID + "–" + MAX_ID + " (0–19 belong to the serializer)");
      }
      Class<?> type = load(className, loader, value, path);
      Class<?> serializer = null;
      if (serializerName != null) {
        serializer = load(serializerName, loader, value, path + ".serializer");
        if (!Serializer.class.isAssignableFrom(serializer)) {
          throw new ConfigException.BadValue(value.origin(), path, serializerName + " is not a Kryo Serializer");
        }
      } else if (!type.isArray() && !type.isEnum() && (type.isInterface() || Modifier.isAbstract(type.getModifiers()))) {
        throw new ConfigException.BadValue(value.origin(), path,
            className + " is abstract: register its concrete classes, or give it a serializer");
      }
      Entry clash = byId.put(id, new Entry(type, id, serializer, value));
      if (clash != null) {
        throw new ConfigException.BadValue(value.origin(), path,
            "id " + id + " is already taken by " + clash.type().getName() + " (" + clash.source().origin().description() + ")");
      }
    }
    return new KryoRegistrations(new ArrayList<>(byId.values()));
  }

  private static int integer(ConfigValue value, String path) {
    if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer id) return id;
    throw new ConfigException.BadValue(value.origin(), path, "expected an integer id, got " + value.render());
  }

  private static Class<?> load(String className, ClassLoader loader, ConfigValue value, String path) {
    try {
      return Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ConfigException.BadValue(value.origin(), path, "cannot load class " + className + ": " + e);
    }
  }

  /** A Kryo with the full table; Kryo instances are not thread-safe, so each pooled codec has one. */
  TurnoutKryo newKryo(ExtendedActorSystem system) {
    TrackingClassResolver resolver = new TrackingClassResolver();
    TurnoutKryo kryo = new TurnoutKryo(resolver);
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setClassLoader(system.dynamicAccess().classLoader());

    kryo.register(List.class, new KryoBuiltins.ListSerializer(), LIST_ID);
    kryo.register(Set.class, new KryoBuiltins.SetSerializer(), SET_ID);
    kryo.register(Map.class, new KryoBuiltins.MapSerializer(), MAP_ID);
    kryo.register(org.apache.pekko.actor.typed.ActorRef.class, new KryoBuiltins.TypedActorRefSerializer(system), TYPED_ACTOR_REF_ID);
    kryo.register(org.apache.pekko.actor.ActorRef.class, new KryoBuiltins.ClassicActorRefSerializer(system), CLASSIC_ACTOR_REF_ID);
    kryo.register(byte[].class, BYTE_ARRAY_ID);

    for (Entry entry : entries) {
      Registration existing = resolver.getRegistration(entry.type());
      if (existing != null) {
        throw new ConfigException.BadValue(entry.source().origin(), REGISTRATIONS_PATH + ".\"" + entry.type().getName() + "\"",
            entry.type().getName() + " is already handled by the serializer itself as "
                + existing.getType().getName() + " (id " + existing.getId() + "); remove this entry");
      }
      if (entry.serializer() == null) {
        kryo.register(entry.type(), entry.id());
      } else {
        Serializer<?> serializer =
            ReflectionSerializerFactory.newSerializer(kryo, entry.serializer().asSubclass(Serializer.class), entry.type());
        kryo.register(entry.type(), serializer, entry.id());
      }
    }
    return kryo;
  }

  /**
   * The whole configured table as text, one line per id in order (id, class, serializer, record
   * components, enum constants), without building a Kryo: what two nodes must agree on to talk.
   */
  String tableDescription() {
    StringBuilder text = new StringBuilder().append("format ").append(FORMAT_VERSION).append('\n');
    for (Entry entry : entries) {
      Class<?> type = entry.type();
      text.append(entry.id()).append('|').append(type.getName()).append('|')
          .append(entry.serializer() == null ? "default" : entry.serializer().getName());
      if (type.isRecord()) {
        RecordComponent[] components = type.getRecordComponents();
        Arrays.sort(components, Comparator.comparing(RecordComponent::getName));
        for (RecordComponent component : components) {
          text.append('|').append(component.getName()).append(':').append(component.getGenericType().getTypeName());
        }
      }
      if (type.isEnum()) {
        for (Object constant : type.getEnumConstants()) text.append('|').append(((Enum<?>) constant).name());
      }
      text.append('\n');
    }
    return text.toString();
  }

  /** Schema hash of every registered id (0 where none), indexed by id. */
  long[] schemaHashes(Kryo kryo) {
    long[] hashes = new long[maxId + 1];
    for (int id = 0; id <= maxId; id++) {
      Registration registration = kryo.getRegistration(id);
      if (registration != null) hashes[id] = hash(describe(registration));
    }
    return hashes;
  }

  static String describe(Registration registration) {
    Class<?> type = registration.getType();
    StringBuilder text = new StringBuilder()
        .append(FORMAT_VERSION).append('|').append(registration.getId()).append('|').append(type.getName())
        .append('|').append(registration.getSerializer().getClass().getName());
    if (type.isRecord()) {
      RecordComponent[] components = type.getRecordComponents();
      Arrays.sort(components, Comparator.comparing(RecordComponent::getName));
      for (RecordComponent component : components) {
        text.append('|').append(component.getName()).append(':').append(component.getGenericType().getTypeName());
      }
    }
    if (type.isEnum()) {
      for (Object constant : type.getEnumConstants()) text.append('|').append(((Enum<?>) constant).name());
    }
    return text.toString();
  }

  private static long hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      long hash = 0;
      for (int i = 0; i < 8; i++) hash = hash << 8 | (digest[i] & 0xff);
      return hash;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The combined schema hash of the registrations one message used. */
  static int messageHash(long[] schemaHashes, BitSet used) {
    long sum = 0;
    for (int id = used.nextSetBit(0); id >= 0; id = used.nextSetBit(id + 1)) sum += schemaHashes[id];
    return (int) (sum ^ (sum >>> 32));
  }

  /** Kryo whose "not registered" error says where to register the class. */
  static final class TurnoutKryo extends Kryo {
    private final TrackingClassResolver resolver;

    TurnoutKryo(TrackingClassResolver resolver) {
      super(resolver, null);
      this.resolver = resolver;
    }

    TrackingClassResolver resolver() {
      return resolver;
    }

    @Override
    protected String unregisteredClassMessage(@SuppressWarnings("rawtypes") Class type) {
      return "Class is not registered with " + KryoSerializer.NAME + ": " + type.getName()
          + ". Add it to " + REGISTRATIONS_PATH + " in the reference.conf of the module that owns it, e.g. \""
          + type.getName() + "\" = <next free id in the module's range: protocol 20-99, persistence 100-199, "
          + "cluster-node 200-399, ops 400-499>";
    }
  }

  /**
   * Writes one class id for all implementations of an interface the serializer handles itself, so
   * no JDK or Pekko internal class has to be registered one by one: every typed or classic
   * {@code ActorRef} subtype (local, remote, promise, adapter…) travels as its path, every
   * {@code List}/{@code Set}/{@code Map} as the interface. Sorted and enum-keyed collections are left
   * out (reading them back as insertion-ordered maps would change their meaning): they must be
   * registered explicitly. Explicit registrations always win.
   *
   * <p>Also records which registrations the current message touched, for the schema check.
   */
  static final class TrackingClassResolver extends DefaultClassResolver {
    private final BitSet used = new BitSet();

    void startMessage() {
      used.clear();
    }

    BitSet used() {
      return used;
    }

    @Override
    public Registration getRegistration(@SuppressWarnings("rawtypes") Class type) {
      Registration registration = super.getRegistration(type);
      if (registration == null) {
        Class<?> canonical = canonicalType(type);
        if (canonical == null) return null;
        registration = super.getRegistration(canonical);
        if (registration == null) return null;
        classToRegistration.put(type, registration);
      }
      used.set(registration.getId());
      return registration;
    }

    @Override
    public Registration readClass(Input input) {
      Registration registration = super.readClass(input);
      if (registration != null) used.set(registration.getId());
      return registration;
    }

    private static Class<?> canonicalType(Class<?> type) {
      if (org.apache.pekko.actor.typed.ActorRef.class.isAssignableFrom(type)) return org.apache.pekko.actor.typed.ActorRef.class;
      if (org.apache.pekko.actor.ActorRef.class.isAssignableFrom(type)) return org.apache.pekko.actor.ActorRef.class;
      if (SortedMap.class.isAssignableFrom(type) || SortedSet.class.isAssignableFrom(type)
          || EnumMap.class.isAssignableFrom(type) || EnumSet.class.isAssignableFrom(type)) {
        return null;
      }
      if (List.class.isAssignableFrom(type)) return List.class;
      if (Set.class.isAssignableFrom(type)) return Set.class;
      if (Map.class.isAssignableFrom(type)) return Map.class;
      return null;
    }
  }
}
