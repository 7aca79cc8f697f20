<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko">
  <context>
    <name>Tidings</name>
    <message>
      <source>Signed out</source>
      <translation>로그아웃됨</translation>
    </message>
    <message>
      <source>The server's key was not accepted.</source>
      <translation>서버 키를 신뢰하지 않았습니다.</translation>
    </message>
    <message>
      <source>The server at {server} identifies itself with the key

{fingerprint}

Ask its administrator whether this is right before you trust it.</source>
      <translation>{server} 서버의 키는 다음과 같습니다.

{fingerprint}

신뢰하기 전에 서버 관리자에게 이 키가 맞는지 확인하세요.</translation>
    </message>
    <message>
      <source>Trust this server?</source>
      <translation>이 서버를 신뢰할까요?</translation>
    </message>
    <message>
      <source>Tidings could not start</source>
      <translation>Tidings를 시작할 수 없습니다</translation>
    </message>
    <message>
      <source>Send read receipts</source>
      <translation>읽음 확인 보내기</translation>
    </message>
    <message>
      <source>Read receipts cannot be changed now</source>
      <translation>지금은 읽음 확인 설정을 바꿀 수 없습니다</translation>
    </message>
    <message>
      <source>The server cannot be reached right now.</source>
      <translation>지금은 서버에 연결할 수 없습니다.</translation>
    </message>
    <message>
      <source>Today</source>
      <translation>오늘</translation>
    </message>
    <message>
      <source>Yesterday</source>
      <translation>어제</translation>
    </message>
    <message>
      <source>message deleted</source>
      <translation>삭제된 메시지입니다</translation>
    </message>
    <message>
      <source>a message this version of Tidings cannot show</source>
      <translation>이 버전의 Tidings에서 표시할 수 없는 메시지입니다</translation>
    </message>
    <message>
      <source>not sent</source>
      <translation>보내지 못함</translation>
    </message>
    <message>
      <source>edited</source>
      <translation>수정됨</translation>
    </message>
    <message>
      <source>Not sent: {reason} — click to retry, right-click to discard</source>
      <translation>보내지 못함: {reason} — 클릭하면 다시 시도, 오른쪽 클릭하면 삭제</translation>
    </message>
    <message>
      <source>An earlier message</source>
      <translation>이전 메시지</translation>
    </message>
    <message>
      <source>Click to show it</source>
      <translation>눌러서 보기</translation>
    </message>
    <message>
      <source>deleted message</source>
      <translation>삭제된 메시지</translation>
    </message>
    <message>
      <source>Write a message…</source>
      <translation>메시지 입력…</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>메시지</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>보내기</translation>
    </message>
    <message>
      <source>{count} / {limit} characters</source>
      <translation>{count} / {limit}자</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>저장</translation>
    </message>
    <message>
      <source>Connection</source>
      <translation>연결</translation>
    </message>
    <message>
      <source>Server</source>
      <translation>서버</translation>
    </message>
    <message>
      <source>Server key fingerprint</source>
      <translation>서버 키 지문</translation>
    </message>
    <message>
      <source>The key this device trusted when it signed in; it refuses a server that shows another one.</source>
      <translation>이 기기가 로그인할 때 신뢰한 키입니다. 다른 키를 보이는 서버에는 연결하지 않습니다.</translation>
    </message>
    <message>
      <source>Signed in as</source>
      <translation>로그인한 사용자</translation>
    </message>
    <message>
      <source>This device</source>
      <translation>이 기기</translation>
    </message>
    <message>
      <source>App version</source>
      <translation>앱 버전</translation>
    </message>
    <message>
      <source>Members</source>
      <translation>멤버</translation>
    </message>
    <message>
      <source>{count} members</source>
      <translation>멤버 {count}명</translation>
    </message>
    <message>
      <source>{names} is typing…</source>
      <translation>{names} 님이 입력 중…</translation>
    </message>
    <message>
      <source>{sender} created the group “{name}”</source>
      <translation>{sender} 님이 “{name}” 그룹을 만들었습니다</translation>
    </message>
    <message>
      <source>{sender} started the chat</source>
      <translation>{sender} 님이 대화를 시작했습니다</translation>
    </message>
    <message>
      <source>{sender} added {subject}</source>
      <translation>{sender} 님이 {subject} 님을 초대했습니다</translation>
    </message>
    <message>
      <source>{sender} removed {subject}</source>
      <translation>{sender} 님이 {subject} 님을 내보냈습니다</translation>
    </message>
    <message>
      <source>{subject} left</source>
      <translation>{subject} 님이 나갔습니다</translation>
    </message>
    <message>
      <source>{sender} renamed the group to “{name}”</source>
      <translation>{sender} 님이 그룹 이름을 “{name}”(으)로 바꿨습니다</translation>
    </message>
    <message>
      <source>New messages</source>
      <translation>새 메시지</translation>
    </message>
    <message>
      <source>you</source>
      <translation>나</translation>
    </message>
    <message>
      <source>Show the message this one answers</source>
      <translation>답장한 원래 메시지 보기</translation>
    </message>
    <message>
      <source>You: {text}</source>
      <translation>나: {text}</translation>
    </message>
    <message>
      <source>online</source>
      <translation>온라인</translation>
    </message>
    <message>
      <source>away</source>
      <translation>자리 비움</translation>
    </message>
    <message>
      <source>last seen {when}</source>
      <translation>마지막 접속 {when}</translation>
    </message>
    <message>
      <source>offline</source>
      <translation>오프라인</translation>
    </message>
    <message>
      <source>New chat</source>
      <translation>새 대화</translation>
    </message>
    <message>
      <source>User name</source>
      <translation>사용자 이름</translation>
    </message>
    <message>
      <source>e.g. alice</source>
      <translation>예: alice</translation>
    </message>
    <message>
      <source>Not done</source>
      <translation>완료하지 못함</translation>
    </message>
    <message>
      <source>New group</source>
      <translation>새 그룹</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>이름</translation>
    </message>
    <message>
      <source>e.g. Weekend trip</source>
      <translation>예: 주말 여행</translation>
    </message>
    <message>
      <source>user names, separated by commas</source>
      <translation>사용자 이름 (쉼표로 구분)</translation>
    </message>
    <message>
      <source>Members of {name}</source>
      <translation>{name} 멤버</translation>
    </message>
    <message>
      <source> (owner)</source>
      <translation> (방장)</translation>
    </message>
    <message>
      <source>Add people: user names, separated by commas</source>
      <translation>초대할 사람: 사용자 이름 (쉼표로 구분)</translation>
    </message>
    <message>
      <source>Add</source>
      <translation>초대</translation>
    </message>
    <message>
      <source>Remove selected</source>
      <translation>선택한 멤버 내보내기</translation>
    </message>
    <message>
      <source>Leave group</source>
      <translation>그룹 나가기</translation>
    </message>
    <message>
      <source>Your devices</source>
      <translation>내 기기</translation>
    </message>
    <message>
      <source>Sign out selected device</source>
      <translation>선택한 기기 로그아웃</translation>
    </message>
    <message>
      <source> (this device)</source>
      <translation> (이 기기)</translation>
    </message>
    <message>
      <source>Devices</source>
      <translation>기기</translation>
    </message>
    <message>
      <source>To sign out this device, use another one.</source>
      <translation>이 기기를 로그아웃하려면 다른 기기를 사용하세요.</translation>
    </message>
    <message>
      <source>Search messages</source>
      <translation>메시지 검색</translation>
    </message>
    <message>
      <source>Search all messages</source>
      <translation>모든 메시지 검색</translation>
    </message>
    <message>
      <source>Go to chat</source>
      <translation>대화로 이동</translation>
    </message>
    <message>
      <source>Chat name</source>
      <translation>대화 이름</translation>
    </message>
    <message>
      <source>Welcome to Tidings</source>
      <translation>Tidings에 오신 것을 환영합니다</translation>
    </message>
    <message>
      <source>Tidings keeps your chats on a server you run yourself.</source>
      <translation>Tidings는 직접 운영하는 서버에 대화를 보관합니다.</translation>
    </message>
    <message>
      <source>Host a server on this computer</source>
      <translation>이 컴퓨터에서 서버 운영하기</translation>
    </message>
    <message>
      <source>Let other computers on this network connect</source>
      <translation>같은 네트워크의 다른 컴퓨터도 연결할 수 있게 하기</translation>
    </message>
    <message>
      <source>Port</source>
      <translation>포트</translation>
    </message>
    <message>
      <source>Connect to a server</source>
      <translation>서버에 연결하기</translation>
    </message>
    <message>
      <source>Create an account</source>
      <translation>계정 만들기</translation>
    </message>
    <message>
      <source>Log in to an existing account</source>
      <translation>기존 계정으로 로그인</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>비밀번호</translation>
    </message>
    <message>
      <source>A server address looks like host, host:7744 or tcp://host:7744</source>
      <translation>서버 주소는 host, host:7744 또는 tcp://host:7744 형식입니다</translation>
    </message>
    <message>
      <source>Enter a user name and a password.</source>
      <translation>사용자 이름과 비밀번호를 입력하세요.</translation>
    </message>
    <message>
      <source>Port {taken} is in use by another program. Port {free} is free: press OK to host the server there, or type another port.</source>
      <translation>{taken} 포트는 다른 프로그램이 사용 중입니다. {free} 포트가 비어 있습니다. 이 포트로 서버를 열려면 확인을 누르고, 아니면 다른 포트를 입력하세요.</translation>
    </message>
    <message>
      <source>Offline — showing saved messages</source>
      <translation>오프라인 — 저장된 메시지를 보여 줍니다</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>연결 중…</translation>
    </message>
    <message>
      <source>Catching up…</source>
      <translation>새 메시지 받는 중…</translation>
    </message>
    <message>
      <source>Online</source>
      <translation>온라인</translation>
    </message>
    <message>
      <source>Stopped</source>
      <translation>중지됨</translation>
    </message>
    <message>
      <source>Tidings</source>
      <translation>Tidings</translation>
    </message>
    <message>
      <source>Filter chats</source>
      <translation>대화 찾기</translation>
    </message>
    <message>
      <source>Choose a chat, or start a new one.</source>
      <translation>대화를 고르거나 새 대화를 시작하세요.</translation>
    </message>
    <message>
      <source>Unsent messages…</source>
      <translation>전송되지 않은 메시지…</translation>
    </message>
    <message>
      <source>&amp;Chat</source>
      <translation>대화(&amp;C)</translation>
    </message>
    <message>
      <source>New chat…</source>
      <translation>새 대화…</translation>
    </message>
    <message>
      <source>New group…</source>
      <translation>새 그룹…</translation>
    </message>
    <message>
      <source>Search messages…</source>
      <translation>메시지 검색…</translation>
    </message>
    <message>
      <source>Go to chat…</source>
      <translation>대화로 이동…</translation>
    </message>
    <message>
      <source>Members…</source>
      <translation>멤버…</translation>
    </message>
    <message>
      <source>Mute this chat</source>
      <translation>이 대화 알림 끄기</translation>
    </message>
    <message>
      <source>&amp;Account</source>
      <translation>계정(&amp;A)</translation>
    </message>
    <message>
      <source>Devices…</source>
      <translation>기기…</translation>
    </message>
    <message>
      <source>Do not disturb</source>
      <translation>방해 금지</translation>
    </message>
    <message>
      <source>The server was restored from a backup; it no longer has {count} of the messages and changes this device had, and they were removed here.</source>
      <translation>서버가 백업에서 복원되었습니다. 이 기기에 있던 메시지와 변경 사항 중 {count}건이 서버에 더 이상 없어 이 기기에서도 삭제했습니다.</translation>
    </message>
    <message>
      <source>The server was restored from a backup; this device is in step with it.</source>
      <translation>서버가 백업에서 복원되었습니다. 이 기기의 내용은 서버와 일치합니다.</translation>
    </message>
    <message>
      <source>Server restored</source>
      <translation>서버 복원됨</translation>
    </message>
    <message>
      <source>Tidings stopped</source>
      <translation>Tidings가 중지되었습니다</translation>
    </message>
    <message>
      <source>Sending…</source>
      <translation>보내는 중…</translation>
    </message>
    <message>
      <source>Sent</source>
      <translation>보냄</translation>
    </message>
    <message>
      <source>Delivered</source>
      <translation>전달됨</translation>
    </message>
    <message>
      <source>Read</source>
      <translation>읽음</translation>
    </message>
    <message>
      <source>Read by {count} of {total}</source>
      <translation>{total}명 중 {count}명이 읽음</translation>
    </message>
    <message>
      <source>Delete message</source>
      <translation>메시지 삭제</translation>
    </message>
    <message>
      <source>Delete this message for everyone in the chat? This cannot be undone.</source>
      <translation>대화의 모든 사람에게서 이 메시지를 삭제할까요? 되돌릴 수 없습니다.</translation>
    </message>
    <message>
      <source>Delete for everyone</source>
      <translation>모두에게서 삭제</translation>
    </message>
    <message>
      <source>That message cannot be fetched right now.</source>
      <translation>지금은 그 메시지를 가져올 수 없습니다.</translation>
    </message>
    <message>
      <source>Reply</source>
      <translation>답장</translation>
    </message>
    <message>
      <source>React…</source>
      <translation>반응…</translation>
    </message>
    <message>
      <source>Edit</source>
      <translation>수정</translation>
    </message>
    <message>
      <source>Delete</source>
      <translation>삭제</translation>
    </message>
    <message>
      <source>Copy text</source>
      <translation>텍스트 복사</translation>
    </message>
    <message>
      <source>Select text</source>
      <translation>텍스트 선택</translation>
    </message>
    <message>
      <source>{count} waiting to send</source>
      <translation>보낼 메시지 {count}개 대기 중</translation>
    </message>
    <message>
      <source>{count} not sent</source>
      <translation>{count}개 보내지 못함</translation>
    </message>
    <message>
      <source>Taking back {emoji}</source>
      <translation>{emoji} 반응 취소</translation>
    </message>
    <message>
      <source>Reaction {emoji}</source>
      <translation>{emoji} 반응</translation>
    </message>
    <message>
      <source>Edit: {text}</source>
      <translation>수정: {text}</translation>
    </message>
    <message>
      <source>Deleting a message</source>
      <translation>메시지 삭제하기</translation>
    </message>
    <message>
      <source>Retry</source>
      <translation>다시 시도</translation>
    </message>
    <message>
      <source>Discard</source>
      <translation>삭제</translation>
    </message>
    <message>
      <source>Unsent messages</source>
      <translation>전송되지 않은 메시지</translation>
    </message>
    <message>
      <source>Retry all</source>
      <translation>모두 다시 시도</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>닫기</translation>
    </message>
    <message>
      <source>not sent: {reason}</source>
      <translation>보내지 못함: {reason}</translation>
    </message>
    <message>
      <source>waiting to send</source>
      <translation>보내기 대기 중</translation>
    </message>
    <message>
      <source>The server cannot be reached right now. Write your first message to {user}: it waits here and is sent, opening the chat, as soon as the server is back.</source>
      <translation>지금은 서버에 연결할 수 없습니다. {user}님에게 보낼 첫 메시지를 쓰세요. 메시지는 이 기기에서 기다렸다가, 서버에 다시 연결되면 대화가 열리면서 전송됩니다.</translation>
    </message>
    <message>
      <source>Finishing storing messages…</source>
      <translation>메시지를 마저 저장하는 중…</translation>
    </message>
    <message>
      <source>Cancel (Esc)</source>
      <translation>취소 (Esc)</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>취소</translation>
    </message>
    <message>
      <source>Editing your message</source>
      <translation>메시지 수정 중</translation>
    </message>
    <message>
      <source>Replying to yourself</source>
      <translation>나에게 답장</translation>
    </message>
    <message>
      <source>Replying to {sender}</source>
      <translation>{sender} 님에게 답장</translation>
    </message>
    <message>
      <source>&amp;Server</source>
      <translation>서버(&amp;S)</translation>
    </message>
    <message>
      <source>Server panel…</source>
      <translation>서버 패널…</translation>
    </message>
    <message>
      <source>Connection…</source>
      <translation>연결…</translation>
    </message>
    <message>
      <source>Server panel</source>
      <translation>서버 패널</translation>
    </message>
    <message>
      <source>Address for other computers</source>
      <translation>다른 컴퓨터에서 쓸 주소</translation>
    </message>
    <message>
      <source>The other computer shows a fingerprint when it first connects and asks whether to trust it: check that it is this one.</source>
      <translation>다른 컴퓨터는 처음 연결할 때 지문을 보여 주고 신뢰할지 묻습니다. 그 지문이 이것과 같은지 확인하세요.</translation>
    </message>
    <message>
      <source>Connected now</source>
      <translation>지금 연결된 기기</translation>
    </message>
    <message>
      <source>Registration</source>
      <translation>가입</translation>
    </message>
    <message>
      <source>Open: anyone who can reach this server can create an account.</source>
      <translation>열림: 이 서버에 접속할 수 있는 누구나 계정을 만들 수 있습니다.</translation>
    </message>
    <message>
      <source>Closed: only existing accounts can sign in.</source>
      <translation>닫힘: 이미 있는 계정만 로그인할 수 있습니다.</translation>
    </message>
    <message>
      <source>Only this computer can connect: “Let other computers on this network connect” was off when this server was set up.</source>
      <translation>이 컴퓨터에서만 연결할 수 있습니다. 서버를 만들 때 “같은 네트워크의 다른 컴퓨터도 연결할 수 있게 하기”가 꺼져 있었습니다.</translation>
    </message>
    <message>
      <source>This computer has no network address right now.</source>
      <translation>이 컴퓨터에 지금은 네트워크 주소가 없습니다.</translation>
    </message>
    <message>
      <source>On the other computer, choose “Connect to a server” and type one of these (the one on the same network as that computer).</source>
      <translation>다른 컴퓨터에서 “서버에 연결하기”를 고르고 이 중 하나(그 컴퓨터와 같은 네트워크의 주소)를 입력하세요.</translation>
    </message>
    <message>
      <source>{user} — {device}</source>
      <translation>{user} — {device}</translation>
    </message>
    <message>
      <source>Nobody is connected.</source>
      <translation>연결된 기기가 없습니다.</translation>
    </message>
    <message>
      <source>Sign out of this device…</source>
      <translation>이 기기에서 로그아웃…</translation>
    </message>
    <message>
      <source>Sign out of this device?</source>
      <translation>이 기기에서 로그아웃할까요?</translation>
    </message>
    <message>
      <source>The messages, unsent messages and sign-in details this device keeps are removed from it. Your account and its messages stay on the server and on your other devices.</source>
      <translation>이 기기에 저장된 메시지, 보내지 않은 메시지, 로그인 정보가 지워집니다. 계정과 메시지는 서버와 다른 기기에 그대로 남습니다.</translation>
    </message>
    <message>
      <source>Sign out</source>
      <translation>로그아웃</translation>
    </message>
    <message>
      <source>The server could not be reached, so this device was signed out here only. It stays in your account's device list, and counts towards its limit, until you sign it out from another device (Account &gt; Devices).</source>
      <translation>서버에 연결할 수 없어 이 기기에서만 로그아웃했습니다. 다른 기기에서 이 기기를 로그아웃하기 전까지(계정 &gt; 기기) 계정의 기기 목록에 남고 기기 수 제한에도 포함됩니다.</translation>
    </message>
    <message>
      <source>This device was signed out: it was removed from your account on another device, or by the server's administrator. The server no longer lets it in.</source>
      <translation>이 기기는 로그아웃되었습니다. 다른 기기에서 또는 서버 관리자가 계정에서 이 기기를 제거했습니다. 서버가 더 이상 이 기기를 받아들이지 않습니다.</translation>
    </message>
    <message>
      <source>The server no longer knows this device (its database may have been replaced), so it cannot connect as before.</source>
      <translation>서버가 더 이상 이 기기를 알지 못합니다(서버 데이터베이스가 바뀌었을 수 있습니다). 그래서 전처럼 연결할 수 없습니다.</translation>
    </message>
    <message>
      <source>To use Tidings here again, sign in again. The messages, unsent messages and sign-in details this device kept are removed first; your account keeps its messages on the server.</source>
      <translation>이 기기에서 Tidings를 다시 쓰려면 다시 로그인하세요. 먼저 이 기기에 저장된 메시지, 보내지 않은 메시지, 로그인 정보를 지웁니다. 계정의 메시지는 서버에 남아 있습니다.</translation>
    </message>
    <message>
      <source>Sign in again</source>
      <translation>다시 로그인</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>종료</translation>
    </message>
    <message>
      <source>Open Tidings</source>
      <translation>Tidings 열기</translation>
    </message>
    <message>
      <source>Tidings — {count} unread</source>
      <translation>Tidings — 읽지 않은 메시지 {count}개</translation>
    </message>
  </context>
</TS>
