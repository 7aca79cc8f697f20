<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
  <context>
    <name>Tidings</name>
    <message numerus="yes">
      <source>%n member(s)</source>
      <translation>
        <numerusform>%n member</numerusform>
        <numerusform>%n members</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>%n file(s)</source>
      <translation>
        <numerusform>%n file</numerusform>
        <numerusform>%n files</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>last seen %n minute(s) ago</source>
      <translation>
        <numerusform>last seen %n minute ago</numerusform>
        <numerusform>last seen %n minutes ago</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A group holds at most %n member(s) on this server.</source>
      <translation>
        <numerusform>A group holds at most %n member on this server.</numerusform>
        <numerusform>A group holds at most %n members on this server.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Your account already has %n device(s), as many as this server allows. Sign one out on another device (Account, Devices) first.</source>
      <translation>
        <numerusform>Your account already has %n device, as many as this server allows. Sign it out on another device (Account, Devices) first.</numerusform>
        <numerusform>Your account already has %n devices, as many as this server allows. Sign one out on another device (Account, Devices) first.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Too many tries. Wait %n second(s) and try again.</source>
      <translation>
        <numerusform>Too many tries. Wait %n second and try again.</numerusform>
        <numerusform>Too many tries. Wait %n seconds and try again.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A user name has 1 to %n character(s).</source>
      <translation>
        <numerusform>A user name has 1 character.</numerusform>
        <numerusform>A user name has 1 to %n characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>Letters, digits, '.', '_' and '-', at most %n character(s).</source>
      <translation>
        <numerusform>Letters, digits, '.', '_' and '-', at most %n character.</numerusform>
        <numerusform>Letters, digits, '.', '_' and '-', at most %n characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>At least %n character(s).</source>
      <translation>
        <numerusform>At least %n character.</numerusform>
        <numerusform>At least %n characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A password has at least %n character(s).</source>
      <translation>
        <numerusform>A password has at least %n character.</numerusform>
        <numerusform>A password has at least %n characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A password has at most %n character(s).</source>
      <translation>
        <numerusform>A password has at most %n character.</numerusform>
        <numerusform>A password has at most %n characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A group name has 1 to %n character(s), without control characters.</source>
      <translation>
        <numerusform>A group name has 1 character, not a control character.</numerusform>
        <numerusform>A group name has 1 to %n characters, without control characters.</numerusform>
      </translation>
    </message>
    <message numerus="yes">
      <source>A device name has 1 to %n character(s), without control characters.</source>
      <translation>
        <numerusform>A device name has 1 character, not a control character.</numerusform>
        <numerusform>A device name has 1 to %n characters, without control characters.</numerusform>
      </translation>
    </message>
  </context>
</TS>
